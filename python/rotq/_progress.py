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


def active(enabled=None):
    """Whether bars show: `enabled`, where None means when stderr is a
    terminal; never without tqdm."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return False
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


def bar(desc, total=None, unit="it", enabled=None):
    """A tqdm bar, or a silent stand-in when progress is off (see
    active)."""
    if not active(enabled):
        return _Quiet()
    from tqdm import tqdm
    return tqdm(desc=desc, total=total, unit=unit, leave=False,
                file=sys.stderr, dynamic_ncols=True)
