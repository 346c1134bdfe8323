"""The tail both tokenizer test texts share: their hand-written lines, then
seeded random strings over their alphabet, written as UTF-8 with '\\n'
line ends (no newline translation)."""
import random


def write_text(path, lines, alphabet, max_len, count=400, seed=0):
    rnd = random.Random(seed)
    lines = list(lines)
    for _ in range(count):
        lines.append("".join(rnd.choice(alphabet)
                             for _ in range(rnd.randint(1, max_len))))
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("\n".join(lines) + "\n")
