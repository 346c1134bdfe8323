"""tokenizer-text.py OUT: writes OUT, a UTF-8 text exercising each
alternative of Llama 3's and Qwen2's pre-tokenizer patterns, then seeded
random strings over the same characters."""
import sys

from random_lines import write_text

lines = [
    "I'M sure we'LL see; it's HE'S, they'Re, you'VE, I'd, she'lL, 'tis, "
    "don'T, can'T'VE, o'clock 'sup 'Ll 'DD",
    "The long s folds like s: Mißtrauen'ſt, x'ſt, 'ſt, Loſ'ſter, o'ſtrich;",
    "Mißtrauen'ſt x'ſt Loſ'ſter o'ſtrich, Mißtrauen'ſt x'ſt Loſ'ſter.",
    # Frequent "ſt", so that the merges tell "'ſ" + "t" from "'ſt".
    "ſtill ſtand faſt loſt ſtay ſtop ſtep ſtone ſtar ſtory " * 10,
    "(parenthesised) \"quoted\" —dash «guillemets» ¿qué? ¡sí! #tag "
    "@user $100 50% a+b=c x*y /path/to-file.txt",
    "Numbers: 1 12 123 1234 12345 123456 1234567, 3.14159, 1,000,000, "
    "2024-06-01, a1b22c333d4444, ١٢٣٤٥ ٣ ۱۲۳۴ २०२४ ๑๒๓ ①②③④ ❶❷ ²³ ½¾ "
    "Ⅻ 〇 １２３４ x²",
    "Punctuation runs...!!!\n\n and ?!\r\n\r\n then ;;\n\n\n(( ))\n",
    "Windows\r\nline\r\nendings\r\n\r\n\r\nCR\ronly\r\r",
    "Tabs\tand\t\tmixed \t spaces\t\n\tindented\n\t\n",
    "Multiple spaces    before words and at the end    ",
    "   leading spaces, a lone space before a digit 7 and  two  8",
    "trailing tab\t",
    "form\x0cfeed vertical\x0btab next\x85line",
    "café naïve Straße ÉCOLE Ærøskøbing Ωμέγα ΆΈΉ Привет мир, Ёлка! "
    "中文字符测试 日本語のテキスト カタカナー 한국어 텍스트 שלום עולם "
    "مرحبا بالعالم नमस्ते दुनिया สวัสดี Tiếng Việt ǅemal ʰmodifier",
    "emoji 😀😃 👍🏽 👨\u200d👩\u200d👧 🇫🇷 ❤\ufe0f ✨done →arrow ∑math",
    "combining: e\u0301 a\u0308 n\u0303o x\u0301\u0302y \u0301lead",
    "nbsp:\u00a0word\u00a0\u00a0two ideographic\u3000space\u3000\u3000x "
    "em\u2003space thin\u2009x ogham\u1680x",
    "line\u2028sep para\u2029sep \u2028\nmixed \u00a0\n\t \n end",
    "<|endoftext|>I'M after a special token<|im_start|>  ",
    "fullwidth ＡＢＣ\u3000ｘ！",
]
alphabet = (list("aZsStTrReEvVmMlLdDx'  \t\n\r19.,!-(") +
            ["\x0b", "\x0c", "\x85", "\xa0", "\u1680", "\u2028", "\u3000",
             "\u2003", "٣", "²", "½", "①", "❶", "é", "ß", "ж", "中", "ſ",
             "\u0301", "😀", "\u200d", "\ufe0f", "İ", "ǅ", "\u02b0",
             "\uff11", "\u3007", "ɐ", "א", "ع", "क", "ก", "한"])
write_text(sys.argv[1], lines, alphabet, max_len=40)
