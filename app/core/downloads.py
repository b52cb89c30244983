"""Headers for a file a person downloads: its name made safe, never cached."""


def attachment(filename: str, *, inline: bool = False) -> dict[str, str]:
    """`Content-Disposition` with a name of letters, digits, `-`, `_` and `.` only."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in filename)
    disposition = "inline" if inline else "attachment"
    return {
        "Content-Disposition": f'{disposition}; filename="{safe}"',
        "Cache-Control": "private, no-store",
    }
