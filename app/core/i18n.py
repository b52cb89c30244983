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
    "retention.on": {"da": "Slettes {date}", "en": "Deleted on {date}"},
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
    "list.col.delete_after": {"da": "Slettes", "en": "Deleted on"},
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
