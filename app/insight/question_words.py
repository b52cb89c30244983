"""The word tables behind the question types (app/insight/questions.py), one per language.

Patterns match the utterance's words lower-case, one space apart, without punctuation.
"""

import re
from dataclasses import dataclass


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class Words:
    confirmations: frozenset[str]  # a facilitator alone: "mm", "okay"
    confirmation_phrases: tuple[str, ...]  # ... or a short phrase: "jeg forstår"
    lead_ins: frozenset[str]  # words before the real start: "og", "okay", "men"
    stopwords: frozenset[str]  # not content: for reusing the child's words
    question_verbs: frozenset[str]  # verbs that first in a sentence ask yes or no
    not_verbs: frozenset[str]  # first words that only look like verbs
    subjects: frozenset[str]  # what follows the verb in a yes/no question
    possessives: frozenset[str]  # a two-word subject: "din mor"
    past_verbs: frozenset[str]  # irregular past tense: telling what happened
    past_ending: re.Pattern[str]  # regular past tense
    negation: str
    negated_question_starts: frozenset[str]  # "didn't", "isn't": a question leaning on yes
    presumptions: tuple[str, ...]  # a presumed answer: "må have", "must have"
    tag_words: frozenset[str]  # a last word that asks for agreement: "ikke", "right"
    clipped_tags: frozenset[str]  # colloquial forms that are only ever tags: "ikk"
    tag_blockers: frozenset[str]  # before "ikke" it negates instead: "jeg ved det ikke"
    tag_phrases: frozenset[str]  # "ikke også", "eller hvad"
    tag_verbs: frozenset[str]  # the verb of a tag clause: "gjorde (han ikke)"
    tag_pronouns: frozenset[str]
    invitations: tuple[str, ...]  # open prompts for free recall
    cues: tuple[str, ...]  # the adult says they take up the child's words
    more_about: str  # "mere om hunden": something already said, where the turn is unknown
    wh_words: frozenset[str]
    either_or: str
    so_words: frozenset[str]  # "Så han truede dig?": so + statement presumes
    framing_words: frozenset[str]  # the adult's own framing: never a reflection
    prepositions: frozenset[str]  # a short phrase starting with one echoes a place or time


PRONOUNS_DA = "jeg du han hun det den vi i de man der dig mig ham hende os jer dem sig"
POSSESSIVES_DA = "din dit dine hans hendes deres jeres vores min mit mine"
FAMILY_DA = (
    "mor far mormor morfar farmor farfar bror søster stedfar stedmor papfar papmor onkel "
    "faster moster storebror lillebror storesøster lillesøster nogen noget nogle"
)
FINITE_DA = (
    "var er har havde kan kunne vil ville skal skulle må måtte gjorde gør får fik blev bliver "
    "ved vidste kender kendte synes syntes tror troede tør turde plejer plejede bor boede "
    "hedder husker savner elsker skete sker"
)

DANISH = Words(
    confirmations=words(
        "mm mmm mhm mm-hm mm-hmm mmh hm hmm hmmm okay ok okey ja jaja jah nå nåh nåå aha ah "
        "åh uh javel jamen godt fint klart"
    ),
    confirmation_phrases=(
        "jeg forstår( godt)?",
        "jeg lytter",
        "jeg hører (godt )?(dig|det|hvad du siger)",
        "jeg kan (godt )?høre (det|dig)",
        "det kan jeg (godt )?forstå",
        "nå sådan",
    ),
    lead_ins=words("og men okay ok ja nå nåh mm mhm jamen altså godt øh øhm æh hmm"),
    stopwords=words(
        PRONOUNS_DA
        + " "
        + POSSESSIVES_DA
        + " "
        + FINITE_DA
        + " og at en et til som på med af for ikke om ud op ind ned hen fra over under efter"
        " ad hos ved da når hvis eller men så nu her der hvor hvad hvem hvordan hvornår hvorfor"
        " hvilken hvilket hvilke også jo vel nok lige lidt meget mere mest alt alle alting"
        " gerne bare godt helt hele selv sådan være været blive have haft gøre sagt sket skete"
        " sige sagde fortæl fortælle fortalte fortæller nævnte nævne snakkede talte huske"
        " husker kan prøv videre dengang gang gange før tidligere ellers andet anden andre"
        " inde ude hjemme henne oppe nede igen så ja nej okay mm tit"
    ),
    question_verbs=words(FINITE_DA),
    not_verbs=words("hej tak farvel velkommen lad sæt tag kom gå"),
    subjects=words(PRONOUNS_DA + " " + POSSESSIVES_DA + " " + FAMILY_DA),
    possessives=words(POSSESSIVES_DA),
    past_verbs=words(
        "var blev havde gjorde sagde gik kom slog så sov græd løb tog fik lå sad stod gav "
        "skreg bed drak faldt sloges hjalp"
    ),
    past_ending=re.compile(r"[a-zæøå]{2,}(ede|te)"),
    negation="ikke",
    negated_question_starts=frozenset(),
    presumptions=(
        r"\bmon ikke\b",
        r"\bmå (have|være) (været|\w+t)\b",  # "det må have gjort ondt", "må være svært"
        r"\bsikkert\b(?! at\b)(?!$)",  # "du er sikkert ked af det"
        r"\b(du|han|hun|det|i|de|der|mor|far) \w+ nok\b(?! (for|til|nu)\b)(?!$)",
        r"\bvel\b",  # "du blev vel slået", "det passer vel"
        r"^(?!jo\b)\w+ \w+ jo\b",  # "du er jo glad for ...": the particle, not the answer
        r"\bkan jeg (godt )?forestille mig\b",
        r"\bjeg (tror|gætter på|regner med) at (du|han|hun|det)\b",
        r"\bikke (også|sandt)\b",
    ),
    tag_words=words("ikke"),
    clipped_tags=words("ikk ik"),
    tag_blockers=words(PRONOUNS_DA + " " + FINITE_DA + " slet heller endnu vist nok altså"),
    tag_phrases=frozenset({"ikke også", "ikke sandt", "eller hvad"}),
    tag_verbs=words("er var har havde gjorde gør vil ville kan kunne skal skulle blev bliver"),
    tag_pronouns=words("du han hun det de i der man vi"),
    invitations=(
        r"\bfortæl\b",
        r"\bfortsæt\b",
        r"\b(prøv|prøve|kan du|kunne du|vil du|ville du|gider du|gerne) (at )?(ikke )?fortælle\b",
        r"\bjeg vil (rigtig )?gerne høre\b",
        r"\bhvad (skete|sker) der\b",  # "hvad skete der så/bagefter/inden"
        r"^(og )?(hvad )?så( hvad| videre)?$",  # "og så?", "og hvad så"
        r"\bhvad (mere|ellers)\b",
        r"\bhvad (kan|husker) du (ellers|mere)\b",
    ),
    cues=(
        r"\bdu (sagde|nævnte|fortalte|snakkede|talte)\b",
        r"\b(sagde|nævnte|fortalte) du\b",
    ),
    more_about=r"\bmere om (?!(det|den|dem|ham|hende|dig|alt|noget|dette|hvad|hvordan|hvorfor"
    r"|hvem|hvor|hvornår|da|dengang|når)\b)\w+",
    wh_words=words(
        "hvem hvad hvor hvornår hvilken hvilket hvilke hvordan hvorfor hvorhen hvorfra hvad"
    ),
    either_or="eller",
    so_words=words("så"),
    framing_words=words("jeg vi mig os skal må gerne hvis nu tak hej velkommen lad"),
    prepositions=words("i på om ud hjem hos ved til under efter med fra inde oppe nede ude"),
)

PRONOUNS_EN = "i you he she it we they me him her us them there"
POSSESSIVES_EN = "my your his her our their"
AUXILIARIES_EN = "is are was were do does did have has had can could will would should shall"
NEGATED_EN = (
    "isn't aren't wasn't weren't don't doesn't didn't haven't hasn't hadn't can't couldn't "
    "won't wouldn't shouldn't"
)

ENGLISH = Words(
    confirmations=words(
        "mm mmm mhm mm-hm mm-hmm hmm uh-huh okay ok yeah yes yep right alright oh ah sure good"
    ),
    confirmation_phrases=(
        "i see",
        "i understand",
        "i'm listening",
        "i am listening",
        "i hear you",
        "got it",
        "all right",
        "uh huh",
    ),
    lead_ins=words("and but okay ok well oh um uh yeah alright"),
    stopwords=words(
        PRONOUNS_EN
        + " "
        + POSSESSIVES_EN
        + " "
        + AUXILIARIES_EN
        + " "
        + NEGATED_EN
        + " a an the and or but so to of in on at by for with about from into out up down"
        " over under after before then when what who where why how which that this those"
        " these not no yes okay more all everything anything something else just really"
        " very tell told said say mentioned talked remember happened happen earlier again"
        " time times be been being get got"
    ),
    question_verbs=words(AUXILIARIES_EN),
    not_verbs=words("hi hello thanks thank please let let's"),
    subjects=words(PRONOUNS_EN + " " + POSSESSIVES_EN + " mom dad mum someone somebody anyone"),
    possessives=words(POSSESSIVES_EN),
    past_verbs=words("was were had did went came said saw took got hit ran slept"),
    past_ending=re.compile(r"[a-z]{2,}ed"),
    negation="not",
    negated_question_starts=words(NEGATED_EN),
    presumptions=(
        r"\bmust (have|be|'ve)\b",
        r"\bmust've\b",
        r"\bi bet\b",
        r"\bsurely\b",
        r"\bi('m| am) sure (you|he|she|it|that)\b",
        r"\bi guess (you|he|she|it)\b",
        r"\bprobably\b",
    ),
    tag_words=words("right"),
    clipped_tags=frozenset(),
    tag_blockers=words("all that's turn the on"),
    tag_phrases=frozenset({"isn't it", "or what"}),
    tag_verbs=words(AUXILIARIES_EN + " " + NEGATED_EN),
    tag_pronouns=words("you he she it they we i there"),
    invitations=(
        r"\btell me\b",
        r"\b(can|could|would|will) you tell\b",
        r"\bwhat happened\b",
        r"\bwhat happens next\b",
        r"^(and )?then what\b",
        r"^and then$",
        r"\bwhat else\b",
        r"\b(go on|keep going)\b",
        r"\bi('d| would)? (like|want) to hear\b",
    ),
    cues=(r"\byou (said|mentioned|told me|talked about|were telling me)\b",),
    more_about=r"\bmore about (?!(that|it|this|them|him|her|you|yourself|what|how|why|who"
    r"|where|when|everything|anything)\b)\w+",
    wh_words=words("who whom whose what what's where where's when which how how's why who's"),
    either_or="or",
    so_words=words("so"),
    framing_words=words("i we me us will should may please if now thanks thank hi hello let's"),
    prepositions=words("in at on to with under after from into inside"),
)
