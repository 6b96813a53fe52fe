"""Draw the book's site image for link previews (book/_static/site-card.png), 1200 x 630.

Run once when the book's name or tagline changes: ``python tools/site_card.py``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

TARGET = Path(__file__).resolve().parent.parent / "book" / "_static" / "site-card.png"


def main() -> None:
    fig = plt.figure(figsize=(12, 6.3), dpi=100)
    fig.patch.set_facecolor("#1f2a44")
    fig.text(0.07, 0.62, "Scaling Notes", color="white", fontsize=64, weight="bold")
    fig.text(
        0.07,
        0.45,
        "Annotated reading notes on machine-learning systems at scale",
        color="#d6def0",
        fontsize=24,
    )
    fig.text(
        0.07,
        0.33,
        "training systems · serving · scaling laws · mixture of experts · agents",
        color="#9fb3d9",
        fontsize=20,
    )
    fig.savefig(TARGET, facecolor=fig.get_facecolor(), metadata={"Software": None})
    print(TARGET)


if __name__ == "__main__":
    main()
