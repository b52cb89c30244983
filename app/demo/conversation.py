"""The demo recording's conversation: what espeak-ng says in `samtale.mp4` (made by
`make_media.sh`), when, and by whom. It is the recording's given transcript: the demo is
never transcribed (the bundled model hears too little Danish). Plain data, no imports from
the app, so that the script that makes the media reads the same lines."""

from dataclasses import dataclass

SECONDS = 58.5  # the video's length


@dataclass
class Line:  # not frozen: it is a transcript's HeardSegment (app.transcripts.service)
    start: float
    end: float
    speaker: str  # "caseworker" or "child" (app.transcripts.models.Speaker)
    text: str

    @property
    def words(self) -> tuple[()]:
        """Given lines carry no word timings."""
        return ()


LINES = (
    Line(1.0, 5.1, "caseworker", "Hej Emma. Jeg hedder Sara, og jeg arbejder i kommunen."),
    Line(6.7, 7.5, "child", "Hej."),
    Line(
        8.7,
        14.1,
        "caseworker",
        "Vi skal bare snakke lidt sammen i dag. Du må gerne sige, hvis du vil holde en pause.",
    ),
    Line(15.7, 16.6, "child", "Okay."),
    Line(17.8, 20.7, "caseworker", "Kan du fortælle mig om en god dag i skolen?"),
    Line(22.3, 25.8, "child", "Når vi har idræt, og jeg må spille fodbold med Ali."),
    Line(
        27.0,
        31.1,
        "caseworker",
        "Det lyder rart. Hvad sker der, når du kommer hjem fra skole?",
    ),
    Line(32.7, 36.7, "child", "Så er mor ikke hjemme endnu. Jeg laver mad til min lillebror."),
    Line(37.9, 39.5, "caseworker", "Hvordan har du det med det?"),
    Line(41.1, 45.5, "child", "Nogle gange er jeg ked af det. Men jeg er god til at lave pasta."),
    Line(46.7, 50.1, "caseworker", "Tak fordi du fortæller mig det. Det er ikke din skyld."),
    Line(51.7, 52.9, "child", "Må jeg gå nu?"),
    Line(54.1, 56.5, "caseworker", "Ja. Vi ses igen på torsdag."),
)
