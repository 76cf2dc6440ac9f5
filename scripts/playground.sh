#!/usr/bin/env bash
# Start the bot and Microsoft's Teams emulator (Agents Playground) together, offline.
# You play every part as Alex Example (board staff, and the lead of Sussex Police): see
# playground/directory.yaml and playground/.m365agentsplayground.yml.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PLAYGROUND_PORT:-56150}"
BOT_PORT="${PORT_BOT:-3978}"
DATA="${PLAYGROUND_DATA:-./data-playground}"

LEARNING_BOT_DIRECTORY=playground/directory.yaml .venv/bin/learning-bot serve \
  --host 127.0.0.1 --port "$BOT_PORT" --data-dir "$DATA" &
bot=$!
trap 'kill -INT $bot $pg 2>/dev/null; wait 2>/dev/null' EXIT INT TERM

# --dt and APPLICATION_INSIGHTS_NO_STATSBEAT keep it offline; TEAMSAPPTESTER_BROWSER=none
# stops it opening a browser itself.
(cd playground && APPLICATION_INSIGHTS_NO_STATSBEAT=1 TEAMSAPPTESTER_BROWSER=none \
  ../node_modules/.bin/agentsplayground -e "http://127.0.0.1:$BOT_PORT/api/messages" -c msteams --dt -p "$PORT") &
pg=$!
sleep 3
echo
echo "Open http://127.0.0.1:$PORT in a browser. Ctrl+C stops both."
echo "Try: 'help' in the personal chat; open My Team > General (the bot asks for the organisation);"
echo "then 'publish 2019-01-case-file-audit' in the personal chat."
wait
