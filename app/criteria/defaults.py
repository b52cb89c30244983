"""The default rubric: what a new installation starts with, and what an existing one is
offered (`offer.py`). Texts are data: each installation's administrator may change them.

The thirteen come from a Danish supervisor's reading of the twelve of 2026-12-01 (leading
questions, a worrying disclosure, wait time, emotional safety and the balance of talk
were missing). `was` names a criterion's earlier default names, so that an installation
still holding one of those is offered a new version of it rather than a second criterion.
"""

from dataclasses import dataclass

EDITION = "2026-12-06"  # which default rubric an installation has answered (RubricSettings)


@dataclass(frozen=True)
class DefaultCriterion:
    name_da: str
    name_en: str
    description_da: str  # what good looks like
    description_en: str
    was: tuple[str, ...] = ()  # earlier default names in Danish, the one it continues first


DEFAULT_RUBRIC = (
    DefaultCriterion(
        "Kontakt og tryghed",
        "Contact and emotional safety",
        "Varm velkomst og neutrale emner at begynde med; kontakt før det svære emne; "
        "opdager og tager hånd om tegn på utryghed.",
        "Warm welcome and neutral opening topics; contact before the difficult topic; "
        "notices and responds to signs that the child feels unsafe.",
        was=("Kontaktetablering",),
    ),
    DefaultCriterion(
        "Rammesætning (formål, mandat, rettigheder, grundregler)",
        "Framing (purpose, mandate, rights, ground rules)",
        "Siger hvorfor man mødes og hvad der skal ske; forklarer egen rolle, barnets "
        "rettigheder (bisidder, må sige nej) og hvad der sker med det, der bliver sagt; "
        '"jeg ved det ikke" er i orden, og barnet må rette den voksne.',
        "Says why they meet and what will happen; explains own role, the child's rights "
        '(support person, may decline) and what happens with what is said; "I don\'t know" '
        "is fine, and the child may correct the adult.",
        was=(
            "Rammesætning – formål og dagsorden",
            "Rammesætning – mandat og rettigheder",
            "Grundregler",
        ),
    ),
    DefaultCriterion(
        "Fri fortælling",
        "Free narrative",
        "Barnet fortæller med egne ord uden at blive afbrudt, inviteret af åbne opfordringer "
        '("Fortæl mig om …").',
        "The child tells in their own words without interruption, invited by open prompts "
        '("Tell me about …").',
    ),
    DefaultCriterion(
        "Åbne spørgsmål",
        "Open questioning",
        "Mest åbne invitationer, gerne med barnets egne ord; få valg- og ja/nej-spørgsmål; "
        "et lukket spørgsmål følges af et åbent.",
        "Mostly open invitations, often in the child's own words; few option-posing and "
        "yes/no questions; a closed question is followed by an open one.",
    ),
    DefaultCriterion(
        "Ingen ledende spørgsmål",
        "No leading questions",
        "Spørgsmålene antyder ikke svaret og bringer ikke detaljer ind, som barnet ikke selv "
        'har sagt; ingen "…, ikke?".',
        "Questions do not suggest the answer or bring in details the child has not said; "
        'no "…, right?".',
    ),
    DefaultCriterion(
        "Aktiv lytning",
        "Active listening",
        "Små bekræftelser; gentager og opsummerer barnets egne ord; tjekker, at den voksne "
        "har forstået barnet rigtigt.",
        "Small confirmations; repeats and summarises the child's own words; checks that the "
        "adult has understood the child right.",
    ),
    DefaultCriterion(
        "Tid, pauser og taletid",
        "Time, pauses and talk time",
        "Venter på svar og tåler stilhed; barnet får tid til at tænke; barnet taler mere "
        "end den voksne.",
        "Waits for answers and allows silence; the child has time to think; the child talks "
        "more than the adult.",
    ),
    DefaultCriterion(
        "Følge barnets initiativ",
        "Following the child's initiative",
        "Ser, bekræfter og benævner barnets initiativer, signaler og følelser; turtagning "
        "(Marte Meo).",
        "Notices, confirms and names the child's initiatives, signals and feelings; "
        "turn-taking (Marte Meo).",
        was=("Følge barnets initiativ og signaler",),
    ),
    DefaultCriterion(
        "Tilpasset kommunikation",
        "Adapted communication",
        "Sprog og redskaber (tegning, De Tre Huse) passer til barnets alder, udvikling og "
        "evner; korte, enkle spørgsmål.",
        "Language and tools (drawing, the Three Houses) fit the child's age, development "
        "and abilities; short, simple questions.",
    ),
    DefaultCriterion(
        "Barnets perspektiv",
        "The child's perspective",
        "Udforsker bekymringer, det gode og ønsker (Signs of Safety: De Tre Huse); barnets "
        "syn bliver hørt, også når det er et andet end de voksnes.",
        "Explores worries, good things and wishes (Signs of Safety: the Three Houses); the "
        "child's view is heard, also where it differs from the adults'.",
    ),
    DefaultCriterion(
        "Respons på bekymrende betroelser",
        "Responding to a worrying disclosure",
        "Bevarer roen og lytter; spørger åbent uden at presse eller lede; lover ikke at "
        "holde det hemmeligt; siger ærligt, hvad der sker nu, og hvem der skal vide det.",
        "Stays calm and listens; asks openly without pressing or leading; does not promise "
        "secrecy; says honestly what happens next and who will be told.",
    ),
    DefaultCriterion(
        "Inddragelse i beslutning",
        "Involvement in decisions",
        "Barnet er med til at forme målene og barnets plan; barnets egne ord holdes "
        "adskilt fra den voksnes vurdering.",
        "The child helps shape the goals and the child's plan; the child's own words are "
        "kept apart from the adult's view.",
        was=("Inddragelse i beslutning og barnets plan",),
    ),
    DefaultCriterion(
        "Afslutning",
        "Closing",
        "Opsummerer, tjekker forståelsen, forklarer de næste skridt, og hvornår barnet "
        "hører fra den voksne igen; slutter på en neutral tone.",
        "Summarises, checks understanding, explains next steps and when the child will "
        "hear from the adult again; ends on a neutral note.",
    ),
)
