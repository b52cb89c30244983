#!/usr/bin/env bash
# Remakes the speech samples `videosparring model check` transcribes: da.opus and en.opus,
# a short conversation between a caseworker (adult voice) and a child (higher voice),
# spoken by espeak-ng from da.txt and en.txt (one line an utterance, the caseworker first,
# then taking turns). The text files are also the reference the word error rate is
# measured against. Synthetic speech, because we hold no licence for real recordings of
# such conversations: a model's figures on these say it works, not how well it hears
# people. Needs espeak-ng and ffmpeg (with libopus). Run from the repository root:
# workers/speech_samples/make_samples.sh
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for lang in da en; do
  voice=$([ "$lang" = da ] && echo da || echo en-gb)
  inputs=()
  i=0
  while IFS= read -r line; do
    if (( i % 2 == 0 )); then tone=(-v "$voice+m3" -p 38); else tone=(-v "$voice+f4" -p 80); fi
    espeak-ng "${tone[@]}" -s 150 -w "$work/$lang-$i.wav" "$line"
    # Each utterance is followed by 0.6 s of quiet, as turns are in a conversation.
    ffmpeg -loglevel error -y -i "$work/$lang-$i.wav" -af apad=pad_dur=0.6 -ar 16000 -ac 1 \
      "$work/$lang-$i-padded.wav"
    echo "file '$work/$lang-$i-padded.wav'" >> "$work/$lang.list"
    i=$((i + 1))
  done < "$lang.txt"
  ffmpeg -loglevel error -y -f concat -safe 0 -i "$work/$lang.list" \
    -c:a libopus -b:a 24k -ar 16000 -ac 1 "$lang.opus"
done
ls -l da.opus en.opus
