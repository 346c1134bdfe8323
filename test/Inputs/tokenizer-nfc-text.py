"""tokenizer-nfc-text.py OUT: writes OUT, a UTF-8 text whose NFC differs
from it in each way NFC has (decomposed letters that compose, combining
marks out of canonical order, marks that block or do not block a
composition, Hangul jamo that compose into syllables, singletons,
composition exclusions, marks with nothing to compose with), with the
added tokens of bpe_make.py's qwen2-nfc.json around and inside such
sequences, then seeded random strings over the same characters.

Every character is one that Unicode 9.0 (the `tokenizers` library's NFC
tables) and this Python's unicodedata normalize alike, and one that
rotq's pre-tokenizer tables know."""
import sys

from random_lines import write_text

lines = [
    "decomposed: e\u0301t\u00e9 A\u030angstr\u00f6m O\u0308l n\u0303 "
    "c\u0327a u\u0308\u0301 w\u0301 E\u0302\u0301",
    "order: a\u0323\u0307 a\u0307\u0323 \u1ea1\u0307 o\u0301\u031b "
    "o\u031b\u0301 e\u0306\u0327 e\u0327\u0306 "
    "\u03b1\u0345\u0313\u0301 \u03b1\u0313\u0301\u0345 "
    "\u05d0\u05b8\u05b7 \u05d0\u05b7\u05b8 \u05d1\u05bc\u05b0",
    "blocked: a\u0301\u0301 a\u0332\u0301 a\u0301\u0332 "
    "a\u0315\u0301 \u00e1\u0301 a\u0338\u0301 \u0301lead \u0301\u0301",
    "hangul: \u1100\u1161\u11a8 \u1100\u1161 \uac00\u11a8 "
    "\uac01\u11a8 \u1100\u1161\u11a7 \u1112\u1175\u11c2 "
    "\u1100\u1100\u1161 \u1161\u11a8 \u1100\u0301\u1161 \ud55c\u1100\u1161",
    "singletons: \u212b \u2126 \u212a \u0340 \u0341 \u0343 \u0374 "
    "x\u037e \u0387 \u1f71 \u1fee \u2000 \u2001 \uf900 \ufa10",
    "exclusions: \u0958 \u0915\u093c \u0959\u0301 \u2adc \u2add\u0338 "
    "\u0344 \u03b9\u0344 \u0928\u093c \u0930\u093c",
    "arabic: \u0627\u0653 \u0648\u0654 \u064a\u0654\u064b "
    "\u0627\u064b\u0653",
    "tokens: e<|endoftext|>\u0301 <|w\u0301|>\u0301 <|\u1e83|> "
    "<|e\u0301|> <|\u00e9|> <n|r> <n|r <n| |r> "
    "<|im_start|>\u0301 a<|e\u0301|>\u0301 x<|w\u0301|>",
]
alphabet = (list("aeoswAEKn '1.\n") +
            ["\u0300", "\u0301", "\u0302", "\u0303", "\u0307", "\u0308",
             "\u030a", "\u030c", "\u0313", "\u0315", "\u031b", "\u0323",
             "\u0327", "\u0332", "\u0338", "\u0345", "\u0344", "\u0340",
             "\u03b1", "\u03c9", "\u03b9", "\u1f71", "\u212b", "\u2126",
             "\u212a", "\u0958", "\u0915", "\u093c", "\u2adc", "\u05d0",
             "\u05b7", "\u05b8", "\u05bc", "\u0627", "\u0653", "\u0654",
             "\u1100", "\u1112", "\u1161", "\u1175", "\u11a7", "\u11a8",
             "\u11c2", "\uac00", "\uac01", "\uf900", "\u00e9",
             "<|e\u0301|>", "<|w\u0301|>", "<n|", "|r>"])
write_text(sys.argv[1], lines, alphabet, max_len=30)
