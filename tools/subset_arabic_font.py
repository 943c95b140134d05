"""Make ``src/annotator/web/fonts/DejaVuSansMono-Arabic.ttf``: the Arabic glyphs of DejaVu
Sans Mono, which the browser page uses for Arabic (the page's own font, Roboto Mono, has none,
and a proportional fallback breaks the joins and the cell grid).

    apt-get install fonts-dejavu-core && pip install fonttools
    python tools/subset_arabic_font.py [SOURCE_TTF]

Only the Arabic blocks are kept (about 40 KB instead of 340 KB); the licence (Bitstream Vera,
with DejaVu's changes in the public domain) allows it and travels beside the file.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset

SOURCE = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
OUT = Path(__file__).resolve().parent.parent / "src/annotator/web/fonts/DejaVuSansMono-Arabic.ttf"
# Arabic, Arabic Supplement, Presentation Forms-A and -B: what the engine draws.
UNICODES = "U+0600-06FF,U+0750-077F,U+FB50-FDFF,U+FE70-FEFF"


def main(argv: list[str]) -> None:
    source = argv[1] if len(argv) > 1 else SOURCE
    subset.main([source, f"--unicodes={UNICODES}", f"--output-file={OUT}",
                 "--layout-features=*", "--name-IDs=*", "--notdef-outline"])
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main(sys.argv)
