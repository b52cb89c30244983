"""Danish first, English available: gettext catalogs in app/locale, managed with Babel.

Messages are their English text (the msgid) with python-format params, `%(name)s`. Code
marks a message with `N_()` where it is written and translates it where a person reads it,
in that person's language: an error carries the msgid and its params, not a sentence.
"""

from functools import cache
from pathlib import Path

from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from fastapi import Request

LANGUAGES = ("da", "en")
DEFAULT_LANGUAGE = "da"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"


# Formats follow the reader's language: English readers get British conventions (24-hour
# clock, day before month), as a Danish municipality's English readers expect.
BABEL_LOCALES = {"da": "da_DK", "en": "en_GB"}


def babel_locale(lang: str) -> str:
    return BABEL_LOCALES.get(lang, BABEL_LOCALES[DEFAULT_LANGUAGE])


class FileSize(int):
    """A number of bytes given as a message param: shown in the reader's format."""

    def localized(self, lang: str) -> str:
        value = float(self)
        for unit in ("B", "KB", "MB"):
            if value < 1024:
                return f"{format_decimal(round(value), locale=babel_locale(lang))} {unit}"
            value /= 1024
        return f"{format_decimal(value, '#,##0.0', locale=babel_locale(lang))} GB"


def N_(msgid: str) -> str:
    """Marks a message for extraction; it is translated later, in the reader's language."""
    return msgid


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Marks a message with a plural form; `%(num)d` is the count that picks the form."""
    return (singular, plural)


@cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalog (app/locale/<lang>/LC_MESSAGES/messages.mo)."""
    return Translations.load(str(LOCALE_DIR), [lang if lang in LANGUAGES else DEFAULT_LANGUAGE])


def _localized(params: dict[str, object], lang: str) -> dict[str, object]:
    return {k: v.localized(lang) if isinstance(v, FileSize) else v for k, v in params.items()}


def translate(msgid: str, lang: str = DEFAULT_LANGUAGE, **params: object) -> str:
    text = translations(lang).gettext(msgid)
    return text % _localized(params, lang) if params else text


def translate_plural(
    singular: str, plural: str, n: int, lang: str = DEFAULT_LANGUAGE, **params: object
) -> str:
    """`n` picks the form (Danish and English: one, other) and fills `%(num)d`."""
    text = translations(lang).ngettext(singular, plural, n)
    return text % {"num": n, **_localized(params, lang)}


# The old table: scripts/i18n_convert.py reads it; removed once the catalogs hold it.
MESSAGES: dict[str, dict[str, str]] = {
    # Upload errors
    "upload.empty": {
        "da": "Filen er tom. Vælg optagelsen igen og prøv igen.",
        "en": "The file is empty. Choose the recording again and retry.",
    },
    "upload.too_large": {
        "da": "Filen er større end grænsen på {limit}. Del optagelsen op eller kontakt it-afdelingen.",
        "en": "The file is larger than the limit of {limit}. Split the recording or contact IT.",
    },
    "upload.not_media": {
        "da": "Filen er ikke en lyd- eller videooptagelse, vi kan læse. Vælg den optagelse, telefonen, tabletten eller computeren gemte.",
        "en": "The file is not an audio or video recording we can read. Choose the recording the phone, tablet or computer saved.",
    },
    "upload.corrupt": {
        "da": "Optagelsen er beskadiget eller ufuldstændig og kan ikke afspilles ({detail}).",
        "en": "The recording is damaged or incomplete and cannot be played ({detail}).",
    },
    "upload.no_audio": {
        "da": "Optagelsen har intet lydspor. Der skal være lyd for at kunne lave en udskrift.",
        "en": "The recording has no audio track. Audio is needed for a transcript.",
    },
    "upload.no_file": {
        "da": "Vælg en fil at uploade.",
        "en": "Choose a file to upload.",
    },
    "upload.bad_filename": {
        "da": "Filnavnet indeholder tegn, der ikke er tilladt ({detail}). Omdøb filen og prøv igen.",
        "en": "The file name contains characters that are not allowed ({detail}). Rename the file and retry.",
    },
    "upload.bad_form": {
        "da": "Upload-formularen kunne ikke læses ({detail}).",
        "en": "The upload form could not be read ({detail}).",
    },
    # Upload: a full disk (helper E, issue 6 point 13)
    "upload.disk_full": {
        "da": "Serveren har ikke plads til optagelsen lige nu, så intet er gemt. Prøv igen "
        "senere, og bed it-afdelingen om at frigøre plads til optagelser.",
        "en": "The server has no room for the recording right now, so nothing was kept. Try "
        "again later, and ask IT to free space for recordings.",
    },
    "field.required": {
        "da": "Feltet '{field}' skal udfyldes.",
        "en": "The field '{field}' is required.",
    },
    "field.too_long": {
        "da": "Feltet '{field}' må højst være {max} tegn.",
        "en": "The field '{field}' may be at most {max} characters.",
    },
    "field.bad_chars": {
        "da": "Feltet '{field}' indeholder tegn, der ikke er tilladt.",
        "en": "The field '{field}' contains characters that are not allowed.",
    },
    "field.cpr": {
        "da": "Titel og sagsreference må ikke indeholde et CPR-nummer. Brug en reference, du selv vælger.",
        "en": "Title and case reference must not contain a CPR number. Use a reference of your own.",
    },
    "field.bad_language": {
        "da": "Sproget '{value}' kendes ikke. Brug en sprogkode som 'da' eller 'en'.",
        "en": "The language '{value}' is unknown. Use a language code such as 'da' or 'en'.",
    },
    "field.bad_speaker": {
        "da": "Taleren skal være sagsbehandler, barn, anden eller tom.",
        "en": "The speaker must be caseworker, child, other or empty.",
    },
    "recording.not_found": {
        "da": "Optagelsen findes ikke.",
        "en": "The recording does not exist.",
    },
    "recording.not_ready": {
        "da": "Optagelsen er ikke færdigbehandlet endnu.",
        "en": "The recording has not finished processing yet.",
    },
    "segment.not_found": {
        "da": "Udskriftens afsnit findes ikke.",
        "en": "The transcript segment does not exist.",
    },
    "speaker.caseworker": {"da": "Sagsbehandler", "en": "Caseworker"},
    "speaker.child": {"da": "Barn", "en": "Child"},
    "speaker.other": {"da": "Anden", "en": "Other"},
    # Failure reasons a worker writes
    "job.worker_died": {
        "da": "Behandlingen stoppede uventet flere gange. Prøv at uploade optagelsen igen.",
        "en": "Processing stopped unexpectedly several times. Try uploading the recording again.",
    },
    "job.media_failed": {
        "da": "Optagelsen kunne ikke læses helt igennem ({detail}). Den er måske beskadiget.",
        "en": "The recording could not be read all the way through ({detail}). It may be damaged.",
    },
    "job.speech_failed": {
        "da": "Talegenkendelsen fejlede ({detail}). Kontakt it-afdelingen.",
        "en": "Speech recognition failed ({detail}). Contact IT.",
    },
}

UI: dict[str, dict[str, str]] = {
    "app.name": {"da": "Videosparring", "en": "Videosparring"},
    "nav.recordings": {"da": "Optagelser", "en": "Recordings"},
    "nav.upload": {"da": "Upload optagelse", "en": "Upload recording"},
    "nav.language": {"da": "English", "en": "Dansk"},
    "nav.skip": {"da": "Spring til indhold", "en": "Skip to content"},
    "list.title": {"da": "Optagelser", "en": "Recordings"},
    "list.empty": {"da": "Der er ingen optagelser endnu.", "en": "There are no recordings yet."},
    "list.col.title": {"da": "Titel", "en": "Title"},
    "list.col.case": {"da": "Sagsreference", "en": "Case reference"},
    "list.col.duration": {"da": "Varighed", "en": "Duration"},
    "list.col.status": {"da": "Status", "en": "Status"},
    "list.col.uploaded": {"da": "Uploadet", "en": "Uploaded"},
    "list.updating": {
        "da": "Siden opdaterer sig selv, mens der arbejdes.",
        "en": "This page updates itself while work goes on.",
    },
    "list.uploaded": {
        "da": "Optagelsen er uploadet og sat i kø til udskrift.",
        "en": "The recording was uploaded and queued for transcription.",
    },
    "status.queued": {"da": "I kø", "en": "Queued"},
    "status.processing": {"da": "Behandles", "en": "Processing"},
    "status.ready": {"da": "Klar", "en": "Ready"},
    "status.failed": {"da": "Fejlet", "en": "Failed"},
    "stage.probe": {"da": "undersøger filen", "en": "inspecting the file"},
    "stage.audio": {"da": "henter lyden ud", "en": "extracting audio"},
    "stage.transcribe": {"da": "laver udskrift", "en": "transcribing"},
    "stage.rendition": {"da": "laver afspilbar udgave", "en": "making a playable version"},
    "stage.poster": {"da": "laver forsidebillede", "en": "making a poster"},
    "stage.retrying": {"da": "prøver igen", "en": "retrying"},
    # Worker faults (issue 6): a dead worker's job waits for another one.
    "stage.waiting": {
        "da": "venter på en ledig arbejdsproces",
        "en": "waiting for a free worker",
    },
    "upload.title": {"da": "Upload en optagelse", "en": "Upload a recording"},
    "upload.intro": {
        "da": "Video eller lyd fra telefon, tablet eller computer (MP4, MOV, WebM, M4A, MP3, WAV). Filen bliver på kommunens egne maskiner; udskriften laves lokalt.",
        "en": "Video or audio from a phone, tablet or computer (MP4, MOV, WebM, M4A, MP3, WAV). The file stays on the municipality's own machines; the transcript is made locally.",
    },
    "upload.field.title": {"da": "Titel", "en": "Title"},
    "upload.field.title.hint": {
        "da": "Fx 'Samtale om skolen'. Skriv ikke barnets navn.",
        "en": "E.g. 'Conversation about school'. Do not write the child's name.",
    },
    "upload.field.case": {"da": "Sagsreference", "en": "Case reference"},
    "upload.field.case.hint": {
        "da": "En reference, du selv vælger. Aldrig CPR-nummer.",
        "en": "A reference of your own. Never a CPR number.",
    },
    "upload.field.language": {"da": "Samtalens sprog", "en": "Language of the conversation"},
    "upload.field.file": {"da": "Fil", "en": "File"},
    "upload.submit": {"da": "Upload", "en": "Upload"},
    "upload.progress": {"da": "Uploader…", "en": "Uploading…"},
    "upload.max": {"da": "Højst {limit}.", "en": "At most {limit}."},
    "detail.back": {"da": "Tilbage til optagelser", "en": "Back to recordings"},
    "detail.transcript": {"da": "Udskrift", "en": "Transcript"},
    "detail.no_segments": {
        "da": "Der blev ikke genkendt tale i optagelsen.",
        "en": "No speech was recognised in the recording.",
    },
    "detail.download": {"da": "Hent udskrift", "en": "Download transcript"},
    "detail.text": {"da": "Tekst", "en": "Plain text"},
    "detail.segment_text": {"da": "Tekst i afsnittet", "en": "Segment text"},
    "detail.edit": {"da": "Ret", "en": "Edit"},
    "detail.save": {"da": "Gem", "en": "Save"},
    "detail.saved": {"da": "Gemt", "en": "Saved"},
    "detail.speaker": {"da": "Taler", "en": "Speaker"},
    "detail.speaker.none": {"da": "Ikke angivet", "en": "Not set"},
    "detail.corrected": {"da": "rettet", "en": "corrected"},
    "detail.machine": {"da": "Maskinens udskrift", "en": "Machine transcript"},
    "detail.jump": {"da": "Afspil fra {time}", "en": "Play from {time}"},
    "detail.processing": {
        "da": "Optagelsen behandles. Siden opdaterer sig selv.",
        "en": "The recording is being processed. The page updates itself.",
    },
    "detail.failed": {"da": "Behandlingen fejlede", "en": "Processing failed"},
    "detail.meta": {"da": "Oplysninger", "en": "Details"},
    "detail.language": {"da": "Sprog", "en": "Language"},
    "detail.file": {"da": "Originalfil", "en": "Original file"},
    "detail.model": {"da": "Talemodel", "en": "Speech model"},
    "detail.model.note": {
        "da": "Udskriften er lavet af en maskine og kan indeholde fejl. Ret den, før den bruges.",
        "en": "The transcript was made by a machine and may contain errors. Correct it before use.",
    },
    "error.title": {"da": "Noget gik galt", "en": "Something went wrong"},
}
MESSAGES.update(UI)

ACCESS: dict[str, dict[str, str]] = {
    "account.bad_email": {
        "da": "Skriv en gyldig e-mailadresse.",
        "en": "Enter a valid e-mail address.",
    },
    "account.short_password": {
        "da": "Adgangskoden skal være mindst {min} tegn.",
        "en": "The password must be at least {min} characters.",
    },
    "account.email_taken": {
        "da": "Der findes allerede en bruger med den e-mailadresse.",
        "en": "A user with that e-mail address already exists.",
    },
    "account.not_found": {"da": "Brugeren findes ikke.", "en": "The user does not exist."},
    "account.locked": {
        "da": "For mange forkerte forsøg. Prøv igen om {minutes} minutter.",
        "en": "Too many failed attempts. Try again in {minutes} minutes.",
    },
    "account.login_required": {"da": "Log ind for at fortsætte.", "en": "Log in to continue."},
    "account.not_permitted": {
        "da": "Din rolle giver ikke adgang til dette.",
        "en": "Your role does not give access to this.",
    },
    "account.wrong_password": {
        "da": "Den nuværende adgangskode er forkert.",
        "en": "The current password is wrong.",
    },
    "account.password_mismatch": {
        "da": "De to nye adgangskoder er ikke ens.",
        "en": "The two new passwords differ.",
    },
    "account.bad_login": {
        "da": "Forkert e-mail eller adgangskode.",
        "en": "Wrong e-mail or password.",
    },
    "account.not_yourself": {
        "da": "Du kan ikke fjerne din egen administratoradgang.",
        "en": "You cannot remove your own administrator access.",
    },
    "team.name_taken": {
        "da": "Der findes allerede et team med det navn.",
        "en": "A team with that name already exists.",
    },
    "team.not_yourself": {
        "da": "En administrator kan ikke sætte sig selv på et team: bed en anden administrator om det.",
        "en": "An administrator cannot add themself to a team: ask another administrator.",
    },
    "team.not_found": {"da": "Teamet findes ikke.", "en": "The team does not exist."},
    "csrf.invalid": {
        "da": "Formularen er udløbet eller kom fra en anden side. Genindlæs siden og prøv igen.",
        "en": "The form has expired or came from another site. Reload the page and try again.",
    },
    "recording.owner_only": {
        "da": "Kun optagelsens sagsbehandler kan gøre dette.",
        "en": "Only the recording's caseworker can do this.",
    },
    "recording.upload_role": {
        "da": "Kun sagsbehandlere og supervisorer kan uploade optagelser.",
        "en": "Only caseworkers and supervisors can upload recordings.",
    },
    "share.pick_one": {
        "da": "Vælg én person eller ét team at dele med.",
        "en": "Choose one person or one team to share with.",
    },
    "share.bad_person": {
        "da": "Optagelsen kan ikke deles med den bruger.",
        "en": "The recording cannot be shared with that user.",
    },
    "share.self": {
        "da": "Du har allerede adgang til din egen optagelse.",
        "en": "You already have access to your own recording.",
    },
    "share.bad_team": {"da": "Teamet findes ikke.", "en": "The team does not exist."},
    "share.exists": {
        "da": "Optagelsen er allerede delt med dem.",
        "en": "The recording is already shared with them.",
    },
    "share.not_found": {
        "da": "Delingen findes ikke (måske allerede trukket tilbage).",
        "en": "The share does not exist (perhaps already withdrawn).",
    },
    "consent.required": {
        "da": "Der skal være samtykke fra både barnet og forældremyndighedsindehaverne.",
        "en": "Consent from both the child and the custody holders is required.",
    },
    "consent.bad_date": {
        "da": "Angiv datoen for samtykket (ikke i fremtiden).",
        "en": "Give the date of consent (not in the future).",
    },
    "consent.bad_purpose": {
        "da": "Samtykket skal gælde videobaseret sparring.",
        "en": "The consent must be for video-based sparring.",
    },
    "retention.bad_policy": {
        "da": "Standardperioden skal være mindst 1 dag og højst maksimum; varsel 0-90 dage.",
        "en": "The default period must be at least 1 day and at most the maximum; warning 0-90 days.",
    },
    "retention.bad_date": {
        "da": "Sletningsdatoen skal være en dato (ÅÅÅÅ-MM-DD).",
        "en": "The deletion date must be a date (YYYY-MM-DD).",
    },
    "retention.out_of_range": {
        "da": "Sletningsdatoen skal ligge efter i dag og senest {latest}.",
        "en": "The deletion date must be after today and no later than {latest}.",
    },
    "audit.bad_date": {
        "da": "Datoen skal skrives ÅÅÅÅ-MM-DD.",
        "en": "Write the date as YYYY-MM-DD.",
    },
    # Pages
    "nav.logout": {"da": "Log ud", "en": "Log out"},
    "nav.password": {"da": "Skift adgangskode", "en": "Change password"},
    "nav.users": {"da": "Brugere", "en": "Users"},
    "nav.teams": {"da": "Teams", "en": "Teams"},
    "nav.settings": {"da": "Opbevaring", "en": "Retention"},
    "nav.audit": {"da": "Log", "en": "Audit log"},
    "nav.figures": {"da": "Udvikling", "en": "Development"},
    "login.title": {"da": "Log ind", "en": "Log in"},
    "login.email": {"da": "E-mail", "en": "E-mail"},
    "login.password": {"da": "Adgangskode", "en": "Password"},
    "login.submit": {"da": "Log ind", "en": "Log in"},
    "password.title": {"da": "Skift adgangskode", "en": "Change password"},
    "password.current": {"da": "Nuværende adgangskode", "en": "Current password"},
    "password.new": {
        "da": "Ny adgangskode (mindst 12 tegn)",
        "en": "New password (at least 12 characters)",
    },
    "password.repeat": {"da": "Gentag ny adgangskode", "en": "Repeat new password"},
    "password.changed": {
        "da": "Adgangskoden er skiftet. Andre steder, du var logget ind, er logget ud.",
        "en": "The password was changed. Other places you were logged in were logged out.",
    },
    "consent.legend": {"da": "Samtykke", "en": "Consent"},
    "consent.child": {
        "da": "Barnet har givet samtykke til optagelsen",
        "en": "The child has consented to the recording",
    },
    "consent.custody": {
        "da": "Forældremyndighedsindehaverne har givet samtykke",
        "en": "The custody holders have consented",
    },
    "consent.date": {"da": "Dato for samtykke", "en": "Date of consent"},
    "consent.purpose": {
        "da": "Formål: videobaseret sparring. Optagelsen må ikke bruges til andet.",
        "en": "Purpose: video-based sparring. The recording may not be used for anything else.",
    },
    "consent.recorded": {
        "da": "Samtykke fra barnet og forældremyndighedsindehaverne, {date}; formål: sparring.",
        "en": "Consent from the child and the custody holders, {date}; purpose: sparring.",
    },
    "consent.withdraw": {
        "da": "Samtykke trukket tilbage: slet optagelsen nu",
        "en": "Consent withdrawn: delete the recording now",
    },
    "retention.field": {"da": "Slettes senest", "en": "Delete no later than"},
    "retention.hint": {
        "da": "Højst {days} dage fra i dag. Optagelse, udskrift og feedback slettes automatisk.",
        "en": "At most {days} days from today. Recording, transcript and feedback are deleted automatically.",
    },
    "retention.on": {"da": "Slettes {date}", "en": "To be deleted on {date}"},
    "retention.warning": {
        "da": "Optagelsen slettes om {days} dage ({date}).",
        "en": "The recording will be deleted in {days} days ({date}).",
    },
    "detail.delete": {"da": "Slet optagelsen", "en": "Delete the recording"},
    "detail.delete.confirm": {
        "da": "Slet optagelsen, udskriften og al feedback nu? Det kan ikke fortrydes.",
        "en": "Delete the recording, transcript and all feedback now? This cannot be undone.",
    },
    "detail.manage": {"da": "Deling, samtykke og sletning", "en": "Sharing, consent and deletion"},
    "share.title": {"da": "Delt med", "en": "Shared with"},
    "share.none": {
        "da": "Kun dig. Del optagelsen for at få feedback.",
        "en": "Only you. Share the recording to get feedback.",
    },
    "share.with": {"da": "Del med", "en": "Share with"},
    "share.people": {"da": "Personer", "en": "People"},
    "share.teams": {"da": "Teams", "en": "Teams"},
    "share.choose": {"da": "Vælg person eller team …", "en": "Choose a person or team …"},
    "share.submit": {"da": "Del", "en": "Share"},
    "share.withdraw": {"da": "Træk tilbage", "en": "Withdraw"},
    "list.deleted": {
        "da": "Optagelsen og alt, der var lavet ud fra den, er slettet.",
        "en": "The recording and everything made from it were deleted.",
    },
    "list.owner": {"da": "Din", "en": "Yours"},
    "list.shared": {"da": "Delt med dig", "en": "Shared with you"},
    "list.col.access": {"da": "Adgang", "en": "Access"},
    "list.col.delete_after": {"da": "Slettes", "en": "To be deleted on"},
    "admin.users": {"da": "Brugere", "en": "Users"},
    "admin.new_user": {"da": "Ny bruger", "en": "New user"},
    "admin.name": {"da": "Navn", "en": "Name"},
    "admin.role": {"da": "Rolle", "en": "Role"},
    "admin.active": {"da": "Aktiv", "en": "Active"},
    "admin.save": {"da": "Gem", "en": "Save"},
    "admin.create": {"da": "Opret", "en": "Create"},
    "admin.delete_user": {"da": "Slet bruger", "en": "Delete user"},
    "admin.delete_user.confirm": {
        "da": "Slet brugeren og brugerens egne optagelser?",
        "en": "Delete the user and the user's own recordings?",
    },
    "admin.teams": {"da": "Teams", "en": "Teams"},
    "admin.new_team": {"da": "Nyt team", "en": "New team"},
    "admin.members": {"da": "Medlemmer", "en": "Members"},
    "admin.retention": {"da": "Opbevaring af optagelser", "en": "Keeping recordings"},
    "admin.default_days": {"da": "Standardperiode (dage)", "en": "Default period (days)"},
    "admin.max_days": {"da": "Længste periode (dage)", "en": "Longest period (days)"},
    "admin.warn_days": {
        "da": "Advar så mange dage før sletning",
        "en": "Warn this many days before deletion",
    },
    "admin.saved": {"da": "Gemt.", "en": "Saved."},
    "admin.audit": {"da": "Log over adgang og ændringer", "en": "Log of access and changes"},
    "admin.audit.ok": {
        "da": "Loggens kæde er intakt ({n} poster).",
        "en": "The log's chain is intact ({n} entries).",
    },
    "admin.audit.broken": {
        "da": "Loggens kæde er brudt: {problem}",
        "en": "The log's chain is broken: {problem}",
    },
    "admin.audit.filter": {"da": "Filtrér", "en": "Filter"},
    "admin.audit.csv": {"da": "Hent som CSV", "en": "Download as CSV"},
    "admin.audit.when": {"da": "Tidspunkt (UTC)", "en": "Time (UTC)"},
    "admin.audit.who": {"da": "Hvem", "en": "Who"},
    "admin.audit.what": {"da": "Hvad", "en": "What"},
    "admin.audit.recording": {"da": "Optagelse", "en": "Recording"},
    "admin.audit.detail": {"da": "Detaljer", "en": "Detail"},
    "admin.audit.from": {"da": "Fra", "en": "From"},
    "admin.audit.since": {"da": "Fra dato", "en": "From date"},
    "admin.audit.until": {"da": "Til dato", "en": "To date"},
    "admin.audit.all": {"da": "Alle", "en": "All"},
    "role.administrator": {"da": "Administrator", "en": "Administrator"},
    "role.leader": {"da": "Leder", "en": "Leader"},
    "role.supervisor": {"da": "Supervisor", "en": "Supervisor"},
    "role.caseworker": {"da": "Sagsbehandler", "en": "Caseworker"},
    "audit.action.login": {"da": "Log ind", "en": "Login"},
    "audit.action.login_failed": {"da": "Mislykket log ind", "en": "Failed login"},
    "audit.action.logout": {"da": "Log ud", "en": "Logout"},
    "audit.action.password_changed": {"da": "Adgangskode skiftet", "en": "Password changed"},
    "audit.action.user_created": {"da": "Bruger oprettet", "en": "User created"},
    "audit.action.user_updated": {"da": "Bruger ændret", "en": "User changed"},
    "audit.action.user_deleted": {"da": "Bruger slettet", "en": "User deleted"},
    "audit.action.team_changed": {"da": "Team ændret", "en": "Team changed"},
    "audit.action.settings_changed": {"da": "Indstillinger ændret", "en": "Settings changed"},
    "audit.action.upload": {"da": "Upload", "en": "Upload"},
    "audit.action.view": {"da": "Visning", "en": "View"},
    "audit.action.playback": {"da": "Afspilning", "en": "Playback"},
    "audit.action.download": {"da": "Download", "en": "Download"},
    "audit.action.share": {"da": "Delt", "en": "Shared"},
    "audit.action.unshare": {"da": "Deling trukket tilbage", "en": "Share withdrawn"},
    "audit.action.transcript_edit": {"da": "Udskrift rettet", "en": "Transcript edited"},
    "audit.action.delete": {"da": "Slettet", "en": "Deleted"},
    "audit.action.consent_withdrawn": {"da": "Samtykke trukket tilbage", "en": "Consent withdrawn"},
    "audit.action.retention_delete": {"da": "Slettet efter udløbsdato", "en": "Deleted at expiry"},
    "audit.action.audit_export": {"da": "Log eksporteret", "en": "Log exported"},
    # issue 6 (audit): the marker entry from which the chain is keyed
    "audit.action.chain_keyed": {
        "da": "Loggens kæde sikret med nøgle",
        "en": "Log chain keyed",
    },
    "leader.title": {"da": "Udviklingen i praksis", "en": "How the practice develops"},
    "leader.intro": {
        "da": "Kun samlede tal. Måneder med færre end {n} optagelser vises ikke, så ingen enkelt sag kan udpeges.",
        "en": "Aggregate figures only. Months with fewer than {n} recordings are not shown, so no single case can be singled out.",
    },
    "leader.month": {"da": "Måned", "en": "Month"},
    "leader.recordings": {"da": "Optagelser", "en": "Recordings"},
    "leader.hours": {"da": "Timer", "en": "Hours"},
    "leader.shared": {"da": "Delt til feedback", "en": "Shared for feedback"},
    "leader.ready": {"da": "Udskrevet", "en": "Transcribed"},
    "leader.none": {"da": "Endnu ikke tal nok at vise.", "en": "Not enough figures to show yet."},
}
MESSAGES.update(ACCESS)

# Issue 6, accounts: one-time links, who sees a recording, confirming team members.
ACCOUNT_LINKS: dict[str, dict[str, str]] = {
    "account.inactive": {
        "da": "Brugeren er deaktiveret. Aktivér brugeren først.",
        "en": "The user is disabled. Enable the user first.",
    },
    "account.reset_notice": {
        "da": "En administrator lavede et link til at nulstille din adgangskode den {date}. Hvis du ikke selv bad om det, så kontakt din leder og it-afdelingen.",
        "en": "An administrator made a link to reset your password on {date}. If you did not ask for it, contact your manager and IT.",
    },
    "link.invalid": {
        "da": "Linket virker ikke: det er brugt, udløbet eller forkert. Bed administratoren om et nyt.",
        "en": "The link does not work: it has been used, has expired or is wrong. Ask the administrator for a new one.",
    },
    "link.title.invite": {"da": "Vælg din adgangskode", "en": "Choose your password"},
    "link.title.reset": {"da": "Vælg en ny adgangskode", "en": "Choose a new password"},
    "link.intro": {
        "da": "Kun du kender adgangskoden. Linket virker én gang.",
        "en": "Only you know the password. The link works once.",
    },
    "link.submit": {"da": "Gem adgangskode", "en": "Save password"},
    "link.done": {
        "da": "Din adgangskode er gemt. Log ind med den.",
        "en": "Your password is saved. Log in with it.",
    },
    "mail.invite.subject": {
        "da": "Din konto til Videosparring",
        "en": "Your Videosparring account",
    },
    "mail.invite.body": {
        "da": "Hej {name}\n\nDer er oprettet en konto til dig i Videosparring. Vælg din adgangskode her (linket virker én gang og udløber om {hours} timer):\n\n{url}\n\nHvis du ikke ventede dette, så kontakt it-afdelingen.\n",
        "en": "Hello {name}\n\nAn account has been made for you in Videosparring. Choose your password here (the link works once and expires in {hours} hours):\n\n{url}\n\nIf you did not expect this, contact IT.\n",
    },
    "mail.reset.subject": {
        "da": "Nulstil din adgangskode til Videosparring",
        "en": "Reset your Videosparring password",
    },
    "mail.reset.body": {
        "da": "Hej {name}\n\nEn administrator har lavet et link, så du kan vælge en ny adgangskode (linket virker én gang og udløber om {hours} timer):\n\n{url}\n\nHvis du ikke bad om det, så kontakt din leder og it-afdelingen.\n",
        "en": "Hello {name}\n\nAn administrator has made a link for you to choose a new password (it works once and expires in {hours} hours):\n\n{url}\n\nIf you did not ask for this, contact your manager and IT.\n",
    },
    "mail.failed": {
        "da": "E-mailen kunne ikke sendes ({detail}). Intet er gemt. Tjek SMTP-indstillingerne og prøv igen.",
        "en": "The e-mail could not be sent ({detail}). Nothing was saved. Check the SMTP settings and retry.",
    },
    "admin.new_user.link_mail": {
        "da": "Personen får et link på e-mail og vælger selv sin adgangskode.",
        "en": "The person gets a link by e-mail and chooses their own password.",
    },
    "admin.new_user.link_shown": {
        "da": "Du får vist et engangslink, som du giver personen. Personen vælger selv sin adgangskode.",
        "en": "You are shown a one-time link to give to the person. The person chooses their own password.",
    },
    "admin.link.invite": {
        "da": "Engangslink til {name} ({email})",
        "en": "One-time link for {name} ({email})",
    },
    "admin.link.reset": {
        "da": "Link til ny adgangskode for {name} ({email})",
        "en": "Password reset link for {name} ({email})",
    },
    "admin.link.hand_over": {
        "da": "Giv linket til personen selv. Det vises kun denne ene gang, virker én gang og udløber om {hours} timer. Åbn det ikke selv.",
        "en": "Give the link to the person themself. It is shown only this once, works once and expires in {hours} hours. Do not open it yourself.",
    },
    "admin.link.label": {"da": "Engangslink", "en": "One-time link"},
    "admin.link.sent": {"da": "Linket er sendt på e-mail.", "en": "The link was sent by e-mail."},
    "admin.link.waiting": {"da": "Link sendt, ikke brugt endnu", "en": "Link sent, not used yet"},
    "admin.link.none": {"da": "Har ingen adgangskode", "en": "Has no password"},
    "admin.reset": {"da": "Nulstil adgangskode", "en": "Reset password"},
    "admin.reinvite": {"da": "Nyt engangslink", "en": "New one-time link"},
    "admin.reset.confirm": {
        "da": "Lave et nyt engangslink? Personen og ejerne af de optagelser, personen kan se, får besked, og ejerne skal give adgang igen.",
        "en": "Make a new one-time link? The person and the owners of the recordings they can see are told, and the owners must give access again.",
    },
    "share.who_sees": {
        "da": "Ud over dig kan disse se optagelsen:",
        "en": "Besides you, these people can see the recording:",
    },
    "share.team_empty": {"da": "Teamet har ingen medlemmer.", "en": "The team has no members."},
    "share.confirm": {"da": "Giv adgang", "en": "Give access"},
    "share.not_member": {
        "da": "Personen er ikke omfattet af denne deling (ikke medlem af teamet, deaktiveret eller leder).",
        "en": "The person is not covered by this share (not a team member, disabled or a leader).",
    },
    "share.reset_notice": {
        "da": "En administrator lavede et link til ny adgangskode for {name} den {date}.",
        "en": "An administrator made a password reset link for {name} on {date}.",
    },
    "viewer.access": {"da": "kan se den", "en": "can see it"},
    "viewer.pending": {
        "da": "kom i teamet efter delingen: ser den først, når du giver adgang",
        "en": "joined the team after the share: sees it only once you give access",
    },
    "viewer.held": {
        "da": "har sat adgangskode via en administrators link siden: ser den først, når du giver adgang igen",
        "en": "has set a password through an administrator's link since: sees it only once you give access again",
    },
    "admin.teams.note": {
        "da": "En optagelse delt med et team kan ses af dem, der var medlemmer, da den blev delt. Nye medlemmer ser den først, når optagelsens ejer giver dem adgang.",
        "en": "A recording shared with a team can be seen by those who were members when it was shared. New members see it only once the recording's owner gives them access.",
    },
    "viewer.inactive": {"da": "deaktiveret", "en": "disabled"},
    "viewer.never": {"da": "leder: ser aldrig optagelser", "en": "leader: never sees recordings"},
}
MESSAGES.update(ACCOUNT_LINKS)

# Requests the app cannot act on (issue 6: CSRF, validation, errors). Field names a person
# reads are the labels the forms show, never the internal names.
REQUESTS: dict[str, dict[str, str]] = {
    "csrf.origin": {
        "da": "Forespørgslen kom fra en anden side end Videosparring og er afvist. Åbn Videosparring selv og prøv igen.",
        "en": "The request came from a page other than Videosparring and was refused. Open Videosparring yourself and try again.",
    },
    "request.too_large": {
        "da": "Forespørgslen er for stor (højst {limit} bytes).",
        "en": "The request is too large (at most {limit} bytes).",
    },
    "server.error": {
        "da": "Der skete en fejl hos os. Intet er ændret. Prøv igen om lidt, og kontakt it-afdelingen, hvis det bliver ved.",
        "en": "Something went wrong on our side. Nothing was changed. Try again shortly, and contact IT if it keeps happening.",
    },
    "http.not_found": {"da": "Siden findes ikke.", "en": "The page does not exist."},
    "http.method_not_allowed": {
        "da": "Den handling kan ikke bruges her.",
        "en": "That action cannot be used here.",
    },
    "http.error": {
        "da": "Forespørgslen kunne ikke gennemføres.",
        "en": "The request could not be completed.",
    },
    "invalid.missing": {"da": "{field} skal udfyldes.", "en": "{field} is required."},
    "invalid.too_long": {
        "da": "{field} må højst være {max} tegn.",
        "en": "{field} may be at most {max} characters.",
    },
    "invalid.too_short": {
        "da": "{field} skal være mindst {min} tegn.",
        "en": "{field} must be at least {min} characters.",
    },
    "invalid.number": {
        "da": "{field} skal være et helt tal skrevet med cifrene 0-9.",
        "en": "{field} must be a whole number written with the digits 0-9.",
    },
    "invalid.too_small": {
        "da": "{field} skal være mindst {min}.",
        "en": "{field} must be at least {min}.",
    },
    "invalid.too_big": {
        "da": "{field} må højst være {max}.",
        "en": "{field} may be at most {max}.",
    },
    "invalid.choice": {
        "da": "{field} har en værdi, der ikke kan vælges.",
        "en": "{field} has a value that cannot be chosen.",
    },
    "invalid.date": {
        "da": "{field} skal være en dato (år-måned-dag).",
        "en": "{field} must be a date (year-month-day).",
    },
    "invalid.json": {
        "da": "Forespørgslen er ikke gyldig JSON.",
        "en": "The request body is not valid JSON.",
    },
    "invalid.value": {"da": "{field} er ikke gyldig.", "en": "{field} is not valid."},
    "invalid.unstorable": {
        "da": "En af værdierne kan ikke gemmes (for eksempel et usynligt kontroltegn eller et alt for stort tal). Ret den og prøv igen.",
        "en": "One of the values cannot be stored (for example an invisible control character or a far too large number). Correct it and try again.",
    },
    "label.field": {"da": "Et felt", "en": "A field"},
    "label.body": {"da": "Forespørgslen", "en": "The request"},
    "label.recording_id": {"da": "Optagelsens nummer", "en": "The recording's number"},
    "label.segment_id": {"da": "Afsnittets nummer", "en": "The segment's number"},
    "label.share_id": {"da": "Delingens nummer", "en": "The share's number"},
    "label.user_id": {"da": "Personens nummer", "en": "The person's number"},
    "label.team_id": {"da": "Teamets nummer", "en": "The team's number"},
    "label.link_id": {"da": "Linkets nummer", "en": "The link's number"},
    "label.email": {"da": "E-mail", "en": "E-mail"},
    "label.name": {"da": "Navn", "en": "Name"},
    "label.role": {"da": "Rolle", "en": "Role"},
    "label.password": {"da": "Adgangskode", "en": "Password"},
    "label.current": {"da": "Nuværende adgangskode", "en": "Current password"},
    "label.new": {"da": "Ny adgangskode", "en": "New password"},
    "label.repeat": {"da": "Gentag ny adgangskode", "en": "Repeat the new password"},
    "label.active": {"da": "Aktiv", "en": "Active"},
    "label.next": {"da": "Siden bagefter", "en": "The page to go to next"},
    "label.text": {"da": "Teksten", "en": "The text"},
    "label.speaker": {"da": "Taleren", "en": "The speaker"},
    "label.clear_speaker": {"da": "Fjern taleren", "en": "Clear the speaker"},
    "label.target": {"da": "Hvem der deles med", "en": "Who to share with"},
    "label.default_days": {
        "da": "Standard opbevaringstid (dage)",
        "en": "Default retention (days)",
    },
    "label.max_days": {"da": "Længste opbevaringstid (dage)", "en": "Longest retention (days)"},
    "label.warn_days": {"da": "Varsel før sletning (dage)", "en": "Warning before deletion (days)"},
    "label.member": {"da": "Medlem", "en": "Member"},
    "label.title": {"da": "Titel", "en": "Title"},
    "label.case_reference": {"da": "Sagsreference", "en": "Case reference"},
    "label.language": {"da": "Sprog", "en": "Language"},
    "label.consent_date": {"da": "Samtykkets dato", "en": "The consent's date"},
    "label.delete_after": {"da": "Slettes efter", "en": "Delete after"},
    "label.download": {"da": "Hent som fil", "en": "Download as a file"},
}
MESSAGES.update(REQUESTS)

# Status (issue 8): the stage in words, the time left, failure reasons (stored as these keys
# with parameters by app.jobs.reasons), retrying. Plurals: `.one` / `.other`, picked in code.
STATUS: dict[str, dict[str, str]] = {
    "status.stage.probe": {"da": "Tjekker filen", "en": "Checking the file"},
    "status.stage.audio": {"da": "Henter lyden ud", "en": "Extracting the sound"},
    "status.stage.transcribe": {"da": "Laver udskrift", "en": "Transcribing"},
    "status.stage.rendition": {"da": "Laver en afspilbar kopi", "en": "Making a playable copy"},
    "status.stage.poster": {"da": "Laver et stillbillede", "en": "Making a still"},
    "status.starting": {"da": "Går i gang", "en": "Starting"},
    "status.waiting": {
        "da": "I kø – venter på en ledig arbejdsproces",
        "en": "Queued – waiting for a free worker",
    },
    "status.waiting.hint": {
        "da": "Optagelsen står i kø og går i gang, så snart en arbejdsproces er ledig.",
        "en": "The recording is in line and starts as soon as a worker is free.",
    },
    "status.retrying": {
        "da": "I kø – et forsøg mislykkedes, og det prøves igen om lidt",
        "en": "Queued – an attempt failed and will be tried again shortly",
    },
    "status.percent": {"da": "{pct} %", "en": "{pct}%"},
    "status.eta.soon": {"da": "under et minut tilbage", "en": "less than a minute left"},
    "status.eta.one": {"da": "omkring 1 minut tilbage", "en": "about 1 minute left"},
    "status.eta.other": {"da": "omkring {n} minutter tilbage", "en": "about {n} minutes left"},
    "status.live.stage": {"da": "{title}: {stage}", "en": "{title}: {stage}"},
    "status.live.ready": {"da": "{title} er klar", "en": "{title} is ready"},
    "status.live.failed": {
        "da": "{title} kunne ikke behandles",
        "en": "{title} could not be processed",
    },
    "status.busy.one": {
        "da": "1 optagelse behandles eller venter",
        "en": "1 recording is being processed or waiting",
    },
    "status.busy.other": {
        "da": "{n} optagelser behandles eller venter",
        "en": "{n} recordings are being processed or waiting",
    },
    "status.failed.title": {
        "da": "Optagelsen kunne ikke behandles",
        "en": "The recording could not be processed",
    },
    "status.failed.owner": {
        "da": "Du kan prøve igen, eller slette optagelsen og uploade filen igen.",
        "en": "You can try again, or delete the recording and upload the file again.",
    },
    "status.failed.other": {
        "da": "Kun den sagsbehandler, der uploadede optagelsen, kan prøve igen eller slette den.",
        "en": "Only the caseworker who uploaded the recording can try again or delete it.",
    },
    "status.retry": {"da": "Prøv igen", "en": "Try again"},
    "status.retried": {
        "da": "Optagelsen er sat i kø igen.",
        "en": "The recording is queued again.",
    },
    "status.not_failed": {
        "da": "Kun en optagelse, der ikke kunne behandles, kan prøves igen.",
        "en": "Only a recording that could not be processed can be tried again.",
    },
    "status.share_not_ready": {
        "da": "Optagelsen kunne ikke behandles og kan ikke deles. Prøv den igen eller slet den.",
        "en": "The recording could not be processed and cannot be shared. Retry it or delete it.",
    },
    "audit.action.retry": {"da": "Behandling prøvet igen", "en": "Processing retried"},
    "upload.damaged": {
        "da": "Optagelsen er beskadiget eller ufuldstændig og kan ikke afspilles. Vælg den "
        "oprindelige fil fra telefonen, tabletten eller computeren.",
        "en": "The recording is damaged or incomplete and cannot be played. Choose the "
        "original file from the phone, tablet or computer.",
    },
    "failure.corrupt": {
        "da": "Filen er beskadiget eller ufuldstændig, så lyden kunne ikke læses. Upload den "
        "oprindelige fil fra den telefon, tablet eller computer, der optog samtalen.",
        "en": "The file is damaged or incomplete, so its sound could not be read. Upload the "
        "original file from the phone, tablet or computer that recorded the conversation.",
    },
    "failure.not_media": {
        "da": "Filen kunne ikke læses som en lyd- eller videooptagelse. Upload den oprindelige "
        "optagelse igen.",
        "en": "The file could not be read as an audio or video recording. Upload the original "
        "recording again.",
    },
    "failure.no_audio": {
        "da": "Optagelsen har ingen lyd, der kan laves en udskrift af. Upload en optagelse med lyd.",
        "en": "The recording has no sound to transcribe. Upload a recording with sound.",
    },
    "failure.timeout": {
        "da": "Behandlingen tog for lang tid og blev stoppet. Prøv igen; sker det igen, så "
        "kontakt it-afdelingen.",
        "en": "Processing took too long and was stopped. Try again; if it happens again, "
        "contact IT.",
    },
    "failure.rendition": {
        "da": "Der kunne ikke laves en afspilbar kopi af videoen. Prøv igen, eller upload "
        "filen i et andet format (fx MP4).",
        "en": "A playable copy of the video could not be made. Try again, or upload the file "
        "in another format (e.g. MP4).",
    },
    "failure.no_space": {
        "da": "Der var ikke plads på serveren til at behandle optagelsen. Den prøves igen "
        "senere; bed it-afdelingen om at skaffe plads.",
        "en": "The server had no room to process the recording. It will be tried again later; "
        "ask IT to free space.",
    },
    "failure.worker_died": {
        "da": "Behandlingen stoppede uventet. Prøv igen; sker det igen, så kontakt it-afdelingen.",
        "en": "Processing stopped unexpectedly. Try again; if it happens again, contact IT.",
    },
    "failure.unexpected": {
        "da": "Der skete en uventet fejl under behandlingen. Prøv igen; sker det igen, så "
        "kontakt it-afdelingen.",
        "en": "An unexpected error happened during processing. Try again; if it happens again, "
        "contact IT.",
    },
    "failure.deleted": {
        "da": "Optagelsen blev slettet, før den var færdigbehandlet.",
        "en": "The recording was deleted before processing finished.",
    },
}
MESSAGES.update(STATUS)

# Roles (issue 8)
ROLES = {
    "roles.shared_by": {"da": "Delt af {name}", "en": "Shared by {name}"},
    "roles.shared_by_on": {
        "da": "Delt med dig af {name} den {date}.",
        "en": "Shared with you by {name} on {date}.",
    },
    "roles.list.empty_admin": {
        "da": "Ingen optagelser er delt med dig. Administratorer ser kun det, en sagsbehandler "
        "har delt med dem.",
        "en": "No recordings are shared with you. Administrators see only what a caseworker "
        "has shared with them.",
    },
    "roles.list.empty_supervisor": {
        "da": "Der er ingen optagelser endnu: ingen er delt med dig, og du har ikke selv "
        "lagt nogen op.",
        "en": "There are no recordings yet: none are shared with you, and you have not "
        "uploaded any yourself.",
    },
    "roles.transcript.viewer_note": {
        "da": "Udskriften er lavet af en maskine og kan indeholde fejl. Kun optagelsens "
        "sagsbehandler kan rette den.",
        "en": "The transcript was made by a machine and may contain errors. Only the "
        "recording's caseworker can correct it.",
    },
    "roles.unlock": {"da": "Lås op", "en": "Unlock"},
    "roles.unlocked": {
        "da": "{name} kan prøve at logge ind igen nu: de mislykkede forsøg tæller ikke længere.",
        "en": "{name} may try to log in again now: the failed attempts no longer count.",
    },
    "roles.teams.empty": {
        "da": "Der er ingen teams endnu. Et team lader en sagsbehandler dele en optagelse med "
        "alle i teamet på én gang.",
        "en": "There are no teams yet. A team lets a caseworker share a recording with "
        "everyone in it at once.",
    },
    "roles.team.no_members": {
        "da": "Teamet har ingen medlemmer: en deling med det når ingen.",
        "en": "The team has no members: a share with it reaches nobody.",
    },
    "roles.audit.empty": {"da": "Loggen er tom.", "en": "The log is empty."},
    "roles.audit.empty_filtered": {
        "da": "Ingen poster passer til søgningen. Prøv at fjerne et filter eller vælge flere dage.",
        "en": "No entries match the search. Try removing a filter or choosing more days.",
    },
    "roles.audit.case": {"da": "Sagsreference", "en": "Case reference"},
    "roles.audit.when": {"da": "Tidspunkt (lokal tid)", "en": "Time (local)"},
    "roles.audit.recording_id": {"da": "Optagelsens id", "en": "Recording id"},
    "roles.audit.recording_gone": {"da": "(slettet optagelse)", "en": "(deleted recording)"},
    "roles.audit.pages": {"da": "Sider i loggen", "en": "Pages of the log"},
    "roles.audit.newer": {"da": "Nyere", "en": "Newer"},
    "roles.audit.older": {"da": "Ældre", "en": "Older"},
    "audit.action.account_unlocked": {"da": "Login låst op", "en": "Login unlocked"},
    "api.json_only": {
        "da": "Send login som JSON (Content-Type: application/json).",
        "en": "Send the login as JSON (Content-Type: application/json).",
    },
}
MESSAGES.update(ROLES)
# Feedback (issue 9)
MESSAGES.update(
    {
        "feedback.not_found": {
            "da": "Feedbacken findes ikke.",
            "en": "The feedback does not exist.",
        },
        "feedback.not_yours": {
            "da": "Du kan kun rette og slette din egen feedback.",
            "en": "You can only edit and delete your own feedback.",
        },
        "feedback.text_required": {
            "da": "Skriv en tekst til feedbacken.",
            "en": "Write a text for the feedback.",
        },
        "feedback.text_bad_chars": {
            "da": "Teksten indeholder usynlige kontroltegn. Fjern dem og prøv igen.",
            "en": "The text contains invisible control characters. Remove them and try again.",
        },
        "feedback.outside_recording": {
            "da": "Tidspunktet ligger uden for optagelsen, som varer {duration} sekunder.",
            "en": "The time lies outside the recording, which lasts {duration} seconds.",
        },
        "feedback.end_before_start": {
            "da": "Slutningen ligger før starten. Vælg en slutning efter starten.",
            "en": "The end lies before the start. Choose an end after the start.",
        },
        "feedback.zero_length": {
            "da": "Start og slut er det samme tidspunkt. Vælg et tidspunkt uden slut, eller et "
            "stykke af optagelsen.",
            "en": "Start and end are the same moment. Choose a point in time without an end, "
            "or a stretch of the recording.",
        },
        "feedback.criterion_required": {
            "da": "Vælg mindst ét kriterium til feedbacken.",
            "en": "Choose at least one criterion for the feedback.",
        },
        "feedback.unknown_criterion": {
            "da": "Kriteriet {id} findes ikke. Vælg et kriterium fra listen.",
            "en": "The criterion {id} does not exist. Choose a criterion from the list.",
        },
        "feedback.retired_criterion": {
            "da": "Kriteriet {id} er udgået og kan ikke vælges til ny feedback.",
            "en": "The criterion {id} is retired and cannot be chosen for new feedback.",
        },
        "feedback.criterion_twice": {
            "da": "Det samme kriterium er valgt to gange.",
            "en": "The same criterion is chosen twice.",
        },
        "feedback.reply_to_draft": {
            "da": "Der kan ikke svares på en kladde. Offentliggør den først.",
            "en": "A draft cannot be replied to. Publish it first.",
        },
        "feedback.reply_text_only": {
            "da": "På et svar kan kun teksten rettes.",
            "en": "Only the text of a reply can be edited.",
        },
        "feedback.not_a_draft": {
            "da": "Feedbacken er allerede offentliggjort.",
            "en": "The feedback is already published.",
        },
        "notification.not_found": {
            "da": "Notifikationen findes ikke.",
            "en": "The notification does not exist.",
        },
        "criterion.not_found": {
            "da": "Kriteriet findes ikke.",
            "en": "The criterion does not exist.",
        },
        "criterion.group_not_found": {
            "da": "Gruppen af kriterier findes ikke.",
            "en": "The group of criteria does not exist.",
        },
        "criterion.unknown_group": {
            "da": "Gruppen findes ikke. Vælg en eksisterende gruppe.",
            "en": "The group does not exist. Choose an existing group.",
        },
        "criterion.bad_order": {
            "da": "Rækkefølgen skal nævne hvert kriterium præcis én gang.",
            "en": "The order must name every criterion exactly once.",
        },
        "criterion.name_required": {
            "da": "Navnet skal udfyldes på dansk og engelsk.",
            "en": "The name is required in Danish and English.",
        },
        "criterion.bad_chars": {
            "da": "Teksten indeholder usynlige kontroltegn. Fjern dem og prøv igen.",
            "en": "The text contains invisible control characters. Remove them and try again.",
        },
        "audit.action.feedback_added": {"da": "Feedback tilføjet", "en": "Feedback added"},
        "audit.action.feedback_edited": {"da": "Feedback rettet", "en": "Feedback edited"},
        "audit.action.feedback_deleted": {"da": "Feedback slettet", "en": "Feedback deleted"},
        "audit.action.feedback_published": {
            "da": "Feedback offentliggjort",
            "en": "Feedback published",
        },
        "audit.action.criteria_changed": {"da": "Kriterier ændret", "en": "Criteria changed"},
        "label.feedback_id": {"da": "Feedbackens nummer", "en": "The feedback's number"},
        "label.notification_id": {
            "da": "Notifikationens nummer",
            "en": "The notification's number",
        },
        "label.criterion_id": {"da": "Kriteriets nummer", "en": "The criterion's number"},
        "label.criterion_ids": {"da": "Kriterierne", "en": "The criteria"},
        "label.criteria_required": {"da": "Kriterium påkrævet", "en": "Criterion required"},
        "label.group_id": {"da": "Gruppens nummer", "en": "The group's number"},
        "label.kind": {"da": "Typen af feedback", "en": "The kind of feedback"},
        "label.start_seconds": {"da": "Starttidspunktet", "en": "The start time"},
        "label.end_seconds": {"da": "Sluttidspunktet", "en": "The end time"},
        "label.publish": {"da": "Offentliggør", "en": "Publish"},
        "label.name_da": {"da": "Navn på dansk", "en": "Name in Danish"},
        "label.name_en": {"da": "Navn på engelsk", "en": "Name in English"},
        "label.description_da": {"da": "Beskrivelse på dansk", "en": "Description in Danish"},
        "label.description_en": {"da": "Beskrivelse på engelsk", "en": "Description in English"},
        "label.position": {"da": "Placering", "en": "Position"},
        "label.clear_group": {"da": "Fjern gruppen", "en": "Clear the group"},
    }
)


def request_language(request: Request) -> str:
    """?lang= wins, then the cookie, then Accept-Language, then Danish."""
    for candidate in (request.query_params.get("lang"), request.cookies.get("lang")):
        if candidate in LANGUAGES:
            return candidate
    accept = request.headers.get("accept-language", "")
    if accept.lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE
