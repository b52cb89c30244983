#!/usr/bin/env bash
# Remakes app/demo/samtale.mp4: a short Danish conversation between a caseworker (adult
# voice) and a child (higher voice), spoken by espeak-ng over a plain generated picture.
# The lines and their times are in app/demo/conversation.py (LINES); this script speaks
# them at those times, so the transcript given with the demo fits the sound.
# Needs espeak-ng and ffmpeg. Run from the repository root: app/demo/make_media.sh
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import subprocess, sys, pathlib, importlib.util
work = pathlib.Path(sys.argv[1])
spec = importlib.util.spec_from_file_location("conversation", "conversation.py")
conv = importlib.util.module_from_spec(spec); spec.loader.exec_module(conv)
voices = {"caseworker": ["-v", "da+m3", "-p", "38", "-s", "150"],
          "child": ["-v", "da+f4", "-p", "80", "-s", "150"]}
inputs, filters = [], []
for i, line in enumerate(conv.LINES):
    wav = work / f"{i}.wav"
    subprocess.run(["espeak-ng", *voices[line.speaker], "-w", str(wav), line.text], check=True)
    inputs += ["-i", str(wav)]
    filters.append(f"[{i}:a]adelay={int(line.start * 1000)}:all=1[a{i}]")
mix = "".join(f"[a{i}]" for i in range(len(conv.LINES)))
filters.append(f"{mix}amix=inputs={len(conv.LINES)}:normalize=0,apad,atrim=0:{conv.SECONDS}[out]")
subprocess.run(["ffmpeg", "-y", "-loglevel", "error", *inputs, "-filter_complex",
                ";".join(filters), "-map", "[out]", "-ar", "22050", "-ac", "1",
                str(work / "speech.wav")], check=True)
PY
ffmpeg -y -loglevel error \
  -f lavfi -i "color=c=0x2f5d62:s=480x270:r=10:d=$(python3 -c 'import importlib.util as u;s=u.spec_from_file_location("c","conversation.py");m=u.module_from_spec(s);s.loader.exec_module(m);print(m.SECONDS)')" \
  -i "$work/speech.wav" \
  -filter_complex "[0:v]drawbox=x=60:y=80:w=120:h=150:color=0xe8c07d@1:t=fill,drawbox=x=320:y=130:w=90:h=100:color=0xf2e8cf@1:t=fill,drawtext=text='Demo':x=20:y=20:fontsize=18:fontcolor=white[v]" \
  -map "[v]" -map 1:a -c:v libx264 -preset veryslow -crf 34 -pix_fmt yuv420p -g 50 \
  -c:a aac -b:a 32k -ac 1 -shortest -movflags +faststart samtale.mp4
ls -l samtale.mp4
