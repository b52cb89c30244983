"""Danish first, English available: every user-facing string lives here."""

from fastapi import Request

LANGUAGES = ("da", "en")
DEFAULT_LANGUAGE = "da"

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
        "da": "Filen er ikke en lyd- eller videooptagelse, vi kan læse ({detail}).",
        "en": "The file is not an audio or video recording we can read ({detail}).",
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


def translate(key: str, lang: str = DEFAULT_LANGUAGE, **params: object) -> str:
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return text.format(**params) if params else text


def request_language(request: Request) -> str:
    """?lang= wins, then the cookie, then Accept-Language, then Danish."""
    for candidate in (request.query_params.get("lang"), request.cookies.get("lang")):
        if candidate in LANGUAGES:
            return candidate
    accept = request.headers.get("accept-language", "")
    if accept.lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE
