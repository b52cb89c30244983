"""Words the code looks up by a value known only at run time (a status, a role, ...).

Each is marked with N_() so Babel extracts it; add a value here when you add one in code.
"""

from app.core.i18n import N_

LABELS: dict[str, dict[str, str]] = {
    "audit.action": {
        "login": N_("Login"),
        "login_failed": N_("Failed login"),
        "logout": N_("Logout"),
        "password_changed": N_("Password changed"),
        "password_reset": N_("Password link made"),
        "password_set": N_("Password set through a link"),
        "password_accepted": N_("Password accepted, code asked for"),
        "second_factor_failed": N_("Wrong second factor"),
        "second_factor_set_up": N_("Second factor set up"),
        "recovery_codes_renewed": N_("New recovery codes"),
        "second_factor_removal_proposed": N_("Removal of a second factor proposed"),
        "second_factor_removal_withdrawn": N_("Removal of a second factor withdrawn"),
        "second_factor_removed": N_("Second factor removed"),
        "demo_ended": N_("Demo mode ended"),
        "user_created": N_("User created"),
        "user_updated": N_("User changed"),
        "user_deleted": N_("User deleted"),
        "team_changed": N_("Team changed"),
        "settings_changed": N_("Settings changed"),
        "upload": N_("Upload"),
        # A page or content read (its media not yet played), and the media played.
        "view": N_("Opened"),
        "playback": N_("Played"),
        "download": N_("Download"),
        "share": N_("Shared"),
        "unshare": N_("Share withdrawn"),
        "share_confirmed": N_("Access given to a person the share covers"),
        "transcript_edit": N_("Transcript edited"),
        "transcript_checked": N_("Transcript line checked"),
        "transcript_unchecked": N_("Transcript line no longer checked"),
        "delete": N_("Deleted"),
        "consent_withdrawn": N_("Consent withdrawn"),
        "retention_delete": N_("Deleted at expiry"),
        "audit_export": N_("Log exported"),
        "chain_keyed": N_("Log chain keyed"),
        "retry": N_("Processing retried"),
        "account_unlocked": N_("Login unlocked"),
        "feedback_added": N_("Feedback added"),
        "feedback_edited": N_("Feedback edited"),
        "feedback_deleted": N_("Feedback deleted"),
        "feedback_published": N_("Feedback published"),
        "feedback_brought": N_("Feedback brought to the team"),
        "feedback_taken_back": N_("Feedback taken back from the team"),
        "criteria_changed": N_("Criteria changed"),
        "clip_created": N_("Clip created"),
        "clip_changed": N_("Clip changed"),
        "clip_deleted": N_("Clip deleted"),
        "session_planned": N_("Session planned"),
        "session_changed": N_("Session changed"),
        "participant_added": N_("Participant added"),
        "participant_removed": N_("Participant removed"),
        "session_summary_saved": N_("Session summary saved"),
        "learning_points_saved": N_("Learning points saved"),
        "session_closed": N_("Session closed"),
        "session_joined": N_("Joined a session"),
        "login_refused": N_("Sign-in refused"),
        "identity_linked": N_("Municipality login linked"),
    },
    "role": {
        "administrator": N_("Administrator"),
        "leader": N_("Leader"),
        "supervisor": N_("Supervisor"),
        "caseworker": N_("Caseworker"),
    },
    "status": {
        "queued": N_("Queued"),
        "processing": N_("Processing"),
        "ready": N_("Ready"),
        "failed": N_("Failed"),
        "stage.probe": N_("Checking the file"),
        "stage.audio": N_("Extracting the sound"),
        "stage.transcribe": N_("Transcribing"),
        "stage.rendition": N_("Making a playable copy"),
        "stage.poster": N_("Making a still"),
        "starting": N_("Starting"),
        "waiting": N_("Queued – waiting for a free worker"),
        "waiting.hint": N_("The recording is in line and starts as soon as a worker is free."),
        "retrying": N_("Queued – an attempt failed and will be tried again shortly"),
        "percent": N_("%(pct)s%%"),
        "eta.soon": N_("less than a minute left"),
        "eta.one": N_("about 1 minute left"),
        "eta.other": N_("about %(n)s minutes left"),
        "live.stage": N_("%(title)s: %(stage)s"),
        "live.ready": N_("%(title)s is ready"),
        "live.failed": N_("%(title)s could not be processed"),
        "busy.one": N_("1 recording is being processed or waiting"),
        "busy.other": N_("%(n)s recordings are being processed or waiting"),
        "failed.title": N_("The recording could not be processed"),
        "failed.owner": N_("You can try again, or delete the recording and upload the file again."),
        "failed.other": N_(
            "Only the caseworker who uploaded the recording can try again or delete it."
        ),
        "retry": N_("Try again"),
        "retried": N_("The recording is queued again."),
        "not_failed": N_("Only a recording that could not be processed can be tried again."),
        "share_not_ready": N_(
            "The recording could not be processed and cannot be shared. Retry it or delete it."
        ),
    },
    "stage": {
        "probe": N_("inspecting the file"),
        "audio": N_("extracting audio"),
        "transcribe": N_("transcribing"),
        "rendition": N_("making a playable version"),
        "poster": N_("making a poster"),
        "retrying": N_("retrying"),
        "waiting": N_("waiting for a free worker"),
    },
    "feedback.kind": {
        "strength": N_("Strength"),
        "development_point": N_("Development point"),
        "question": N_("Question"),
    },
    "feedback.kinds": {
        "strength": N_("Strengths"),
        "development_point": N_("Development points"),
        "question": N_("Questions"),
    },
    # Sparring sessions (issue 10).
    "session.kind": {
        "individual": N_("Individual sparring"),
        "team": N_("Team sparring"),
    },
    "session.state": {
        "planned": N_("Planned"),
        "running": N_("Running"),
        "closed": N_("Closed"),
    },
    "speaker": {
        "caseworker": N_("Caseworker"),
        "child": N_("Child"),
        "other": N_("Other"),
    },
    "viewer": {
        "access": N_("can see it"),
        "pending": N_("joined the team after the share: sees it only once you give access"),
        "held": N_(
            "has set a password through an administrator's link since: "
            "sees it only once you give access again"
        ),
        "inactive": N_("disabled"),
        "never": N_("leader: never sees recordings"),
        "never_admin": N_("administrator: never sees recordings"),
    },
    "link.title": {
        "invite": N_("Choose your password"),
        "reset": N_("Choose a new password"),
    },
    "admin.link": {
        "invite": N_("One-time link for %(name)s (%(email)s)"),
        "reset": N_("Password reset link for %(name)s (%(email)s)"),
        "hand_over": N_(
            "Give the link to the person themself. It is shown only this "
            "once, works once and expires in %(hours)s hours. Do not "
            "open it yourself."
        ),
        "label": N_("One-time link"),
        "sent": N_("The link was sent by e-mail."),
        # A link not used yet, on the users page: how it went to the person, and when.
        "emailed": N_("One-time link e-mailed on %(date)s, not used yet"),
        "shown": N_(
            "One-time link shown to an administrator on %(date)s to hand over, not used yet"
        ),
        "made": N_("One-time link made on %(date)s, not used yet"),
        "none": N_("Has no password"),
    },
    "label": {
        "field": N_("A field"),
        "body": N_("The request"),
        "recording_id": N_("The recording's number"),
        "segment_id": N_("The segment's number"),
        "share_id": N_("The share's number"),
        "user_id": N_("The person's number"),
        "team_id": N_("The team's number"),
        "link_id": N_("The link's number"),
        "email": N_("E-mail"),
        "name": N_("Name"),
        "role": N_("Role"),
        "password": N_("Password"),
        "current": N_("Current password"),
        "new": N_("New password"),
        "repeat": N_("Repeat the new password"),
        "active": N_("Active"),
        "next": N_("The page to go to next"),
        "text": N_("The text"),
        "speaker": N_("The speaker"),
        "clear_speaker": N_("Clear the speaker"),
        "target": N_("Who to share with"),
        "default_days": N_("Default retention (days)"),
        "max_days": N_("Longest retention (days)"),
        "warn_days": N_("Warning before deletion (days)"),
        "member": N_("Member"),
        "title": N_("Title"),
        "case_reference": N_("Case reference"),
        "language": N_("Language"),
        "consent_date": N_("The consent's date"),
        "delete_after": N_("Delete after"),
        "download": N_("Download as a file"),
        "feedback_id": N_("The feedback's number"),
        "notification_id": N_("The notification's number"),
        "criterion_id": N_("The criterion's number"),
        "criterion_ids": N_("The criteria"),
        "criteria_required": N_("Criterion required"),
        "group_id": N_("The group's number"),
        "kind": N_("The kind of feedback"),
        "start_seconds": N_("The start time"),
        "end_seconds": N_("The end time"),
        "publish": N_("Publish"),
        "name_da": N_("Name in Danish"),
        "name_en": N_("Name in English"),
        "description_da": N_("Description in Danish"),
        "description_en": N_("Description in English"),
        "position": N_("Position"),
        "clear_group": N_("Clear the group"),
    },
    "invalid": {
        "missing": N_("%(field)s is required."),
        "too_long": N_("%(field)s may be at most %(max)s characters."),
        "too_short": N_("%(field)s must be at least %(min)s characters."),
        "number": N_(
            "%(field)s must be a whole number written with the digits 0-9, "
            "without a sign, spaces or leading zeros."
        ),
        "too_small": N_("%(field)s must be at least %(min)s."),
        "too_big": N_("%(field)s may be at most %(max)s."),
        "choice": N_("%(field)s has a value that cannot be chosen."),
        "date": N_("%(field)s must be a date (year-month-day)."),
        "json": N_("The request body is not valid JSON."),
        "value": N_("%(field)s is not valid."),
        "broken": N_(
            "%(field)s contains a broken character (half of a character pair). "
            "Remove it and try again."
        ),
        "unstorable": N_(
            "One of the values cannot be stored (for example an "
            "invisible control character or a far too large number). "
            "Correct it and try again."
        ),
    },
}
