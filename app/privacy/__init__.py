"""Privacy: finding what identifies a person in text a team reads, and hiding it.

Pure functions over strings and word times, with no database and no settings: CPR
numbers, phone numbers, e-mail addresses, street addresses and names are found by their
form (and, for names, by the names the caseworker listed and lists of common Danish
names), replaced by a placeholder in text, and turned into the time spans to mute in
audio. Other packages call it; it calls none of them.
"""
