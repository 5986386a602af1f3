#!/usr/bin/env bash
# Leaderboard v2 (issue 20) on ONE H200 in about 12 minutes of wall time, as 3 processes.
# Run from the repo root on the GPU machine once the student is in place:
#   bash results/leaderboard-v2/gpu.sh start       # the three processes, in the background
#   bash results/leaderboard-v2/gpu.sh wait 560    # waits up to N s (a device call: <= 600)
#   bash results/leaderboard-v2/gpu.sh wait 120; bash results/leaderboard-v2/gpu.sh stop
#   bash results/leaderboard-v2/gpu.sh aggregate   # the table and anytime plots from $L
# (stop ends each process group by its recorded leader PID; copy $L back before the
# machine goes idle.)
# Everything goes into one folder, $L. Each (row, agent) job is resumable: stage A runs every
# search and learned agent to 500 episodes (judged at 100 and 500), stage B resumes the same
# runs to 2,000 (judged at 2,000), most wanted rows first; a job stopped in stage B keeps its
# stage-A table row (episodes 500). The RL agents run magnitude 20% only, to 2,000 episodes.
#
# Time (estimate; not measured on this layout): the partial board (six processes on one
# H200, results/leaderboard-v2-partial) scored 134-141 ms per episode per process, about
# 43 plans/s on the card; one process alone ran about 80 episodes/s (docs/gpu-runs.md).
# Say 55/s for three processes. The whole board is 5 rows x 3 agents x 3 seeds x 2,000 =
# 90,000 plans plus 3 RL agents x 3 seeds x 2,000 = 18,000 episodes: about 33 minutes, so
# it does NOT fit 12. In about 11 minutes (~36,000 episodes, ~12,000 per process):
#   process 1, surrogate: stage A (7,500) and stage B of magnitude 20% (4,500): done;
#   process 2, evolution: the same;
#   process 3, a2c, sb3-ppo, sb3-a2c at magnitude 20% (18,000): about two agents; psrl after.
# Cut: stage B of the other four rows (their 2,000-episode column) for surrogate and
# evolution, psrl on every row, and probably sb3-a2c. `stop` then `aggregate` at the
# deadline gives a table of every job that finished (a stopped job leaves no row; one
# stopped in stage B keeps its stage-A row at 500 episodes).
#
# Dry run (done on the stub, CPU, 2026-12-03 00:23-00:40; start, wait, aggregate all ran):
#   G=stub DEVICE=cpu EP_A=3 EP_B=6 SEEDS=0 L=/tmp/lb bash results/leaderboard-v2/gpu.sh start
set -u
G=${G:-/root/cache/SmolLM2-135M-Instruct.Q4_1.gguf}
L=${L:-/root/lb2}
DEVICE=${DEVICE:-cuda}
EP_A=${EP_A:-500}
EP_B=${EP_B:-2000}
SEEDS=${SEEDS:-0,1,2}
SEARCH=surrogate,evolution,psrl
RL=a2c,sb3-ppo,sb3-a2c
CLI="python3 -m evaluation.cli"
export OMP_NUM_THREADS=1 LLM_PRUNE_GYM_CACHE=${LLM_PRUNE_GYM_CACHE:-/root/cache/lpg}
# rows in the order stage B extends them: the two rows measured so far first
ROWS=("magnitude 0.2" "wanda 0.5" "magnitude 0.3" "wanda 0.3" "wanda 0.2")

board() {  # board CRITERION TARGET AGENTS EPISODES: one leaderboard call into $L
  $CLI leaderboard --out "$L" --student "$G" --device "$DEVICE" --criterion "$1" \
    --targets "$2" --agents "$3" --episodes "$4" --seeds "$SEEDS" \
    >> "$L/logs/$1-$2-${3%%,*}.log" 2>&1
}

search_process() {  # search_process AGENTS: stage A on every row, then stage B
  for row in "${ROWS[@]}"; do board $row "$1" "$EP_A"; done
  for row in "${ROWS[@]}"; do board $row "$1" "$EP_B"; done
}

alive() {  # is any of the recorded processes still running?
  for p in $(cat "$L/logs/pids"); do kill -0 "$p" 2>/dev/null && return 0; done
  return 1
}

case "${1:-}" in
start)
  mkdir -p "$L/logs"
  # Convert the GGUF once, so the processes read the cached copy.
  python3 -c "from llm_prune_gym.students import load_student; load_student('$G')" 2>&1 | tail -1
  # each process in its own session (it outlives this call; `stop` ends its group)
  : > "$L/logs/pids"
  for job in "_search surrogate" "_search evolution" "_rl"; do
    setsid nohup bash "$0" $job > /dev/null 2>&1 &
    echo $! >> "$L/logs/pids"
  done
  sleep 2; cat "$L/logs/pids" ;;
_search) search_process "$2" ;;
_rl) board magnitude 0.2 "$RL" "$EP_B"; search_process psrl ;;
wait)
  end=$((SECONDS + ${2:-690}))
  while [ $SECONDS -lt $end ] && alive; do sleep 10; done
  alive && echo "still running" || echo "all done"
  grep -h "seed .*held-out KL\|failed" "$L"/logs/*.log | tail -8 ;;
stop)  # each process group, by the leader's recorded PID
  for p in $(cat "$L/logs/pids"); do kill -TERM -- "-$p" 2>/dev/null; done
  true ;;
aggregate)
  # The three calls each recorded their own subset in protocol.json; record the whole
  # board's protocol, then build the table and plots from every finished job.
  python3 - "$L" "$G" "$SEARCH,$RL" "$EP_B" "$SEEDS" <<'PY'
import json, sys
from pathlib import Path
from evaluation.leaderboard import PROTOCOL, select
out, student, agents, episodes, seeds = sys.argv[1:]
protocol = select(PROTOCOL, student=student, agents=tuple(agents.split(",")),
                  episodes=int(episodes), seeds=tuple(int(s) for s in seeds.split(",")))
command = "bash results/leaderboard-v2/gpu.sh start (three leaderboard processes)"
provenance = {"protocol": protocol.to_json(), "command": command}
(Path(out) / "protocol.json").write_text(json.dumps(provenance, indent=1) + "\n")
PY
  $CLI leaderboard --out "$L" --aggregate-only --force > "$L/logs/aggregate.log" 2>&1
  tail -n 3 "$L/logs/aggregate.log" | cut -c1-200; ls "$L" ;;
*) echo "usage: $0 start|wait [SECONDS]|stop|aggregate" >&2; exit 2 ;;
esac
