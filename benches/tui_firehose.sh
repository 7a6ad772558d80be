#!/bin/sh
# The live view under a firehose (not part of CI): the release binary in a 120x40 tmux pane,
# 9 tabs, against `fake-mastodon --rate RATE`; prints the CPU share of the tootwatch process
# over SECS seconds and the pacing lines the view logs at debug level (frames/s, events/s,
# longest frame, key to screen), while a key (j / k) is pressed every second.
#
#     cargo build --release && RATE=2000 SECS=30 sh benches/tui_firehose.sh
#
# RATE=0 KEYS=0 SECS=60 measures the idle view instead (no events, no keys).
set -eu
RATE=${RATE:-2000}
SECS=${SECS:-30}
KEYS=${KEYS:-1}
BIN=${BIN:-target/release}
dir=$(mktemp -d)
sock="$dir/tmux.sock"

"$BIN/fake-mastodon" --rate "$RATE" --heartbeat 15 > "$dir/server.txt" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; tmux -S "$sock" kill-server 2>/dev/null || true' EXIT
touch "$dir/server.txt"
while ! grep -q listening "$dir/server.txt"; do sleep 0.1; done
url=$(sed -n 's/.*listening on \([^ ]*\) token=.*/\1/p' "$dir/server.txt")
token=$(sed -n 's/.*token=\(.*\)/\1/p' "$dir/server.txt")

tmux -S "$sock" new-session -d -s bench -x 120 -y 40 \
  "env TOOTWATCH_INSTANCE=$url TOOTWATCH_TOKEN=$token TOOTWATCH_CONFIG=${CONFIG:-/dev/null} \
   TOOTWATCH_LOG=tootwatch=debug TOOTWATCH_LOG_FILE=$dir/tootwatch.log TOOTWATCH_DATA_DIR=$dir/data \
   $BIN/tootwatch user public public:local public:remote direct '#rust' '#tokio' list:42 user:notification"
pid=$(tmux -S "$sock" display -p -t bench '#{pane_pid}')
sleep 5 # start-up and history
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
before=$(ticks)
i=0
while [ $i -lt "$SECS" ]; do
  if [ $((i % 2)) -eq 0 ]; then key=j; else key=k; fi
  [ "$KEYS" = 1 ] && tmux -S "$sock" send-keys -t bench "$key"
  sleep 1
  i=$((i + 1))
done
after=$(ticks)
switches=$(cat /proc/$pid/task/*/status | awk '/ctxt_switches/ {n += $2} END {print n}')
echo "rate $RATE events/s, $SECS s: tootwatch CPU $(( (after - before) * 1000 / hz )) ms = $(( (after - before) * 100 / hz / SECS )) % of a core; RSS $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status); $switches context switches since start (all threads)"
tmux -S "$sock" send-keys -t bench q
sleep 0.5
grep -h "pacing:" "$dir/tootwatch.log" | sed 's/.*pacing:/pacing:/'
