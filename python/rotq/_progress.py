"""Progress bars (tqdm) on stderr when it is a terminal, else nothing."""
import sys


class _Quiet:
    def __init__(self, *args, **kwargs):
        pass

    def update(self, n=1):
        pass

    def set_postfix_str(self, s):
        pass

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def bar(desc, total=None, unit="it", enabled=None):
    """A tqdm bar, or a silent stand-in when progress is off: `enabled`
    None means on when stderr is a terminal and tqdm is installed."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return _Quiet()
    try:
        from tqdm import tqdm
    except ImportError:
        return _Quiet()
    return tqdm(desc=desc, total=total, unit=unit, leave=False,
                file=sys.stderr, dynamic_ncols=True)
