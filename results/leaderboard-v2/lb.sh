#!/usr/bin/env bash
# Session B's leaderboard: two processes beside the SFT run. Session A already has evolution
# at magnitude 20/30% to 2,000 episodes (3 seeds); here the learned agent on every row and
# evolution on the Wanda rows, 500 episodes first (judged at 100 and 500), then 2,000.
G=/root/cache/SmolLM2-135M-Instruct.Q4_1.gguf; L=/root/lb
export PYTHONPATH=/tmp/site:$PWD LLM_PRUNE_GYM_CACHE=/root/cache/lpg OMP_NUM_THREADS=1
mkdir -p $L/logs
board() {  # CRITERION TARGET AGENT EPISODES
  python3 -m evaluation.cli leaderboard --out $L --student $G --device cuda --threads 2 \
    --criterion $1 --targets $2 --agents $3 --episodes $4 --seeds 0,1,2 >> $L/logs/$1-$2-$3.log 2>&1
}
( board magnitude 0.2 surrogate 2000; board wanda 0.5 surrogate 500; board magnitude 0.3 surrogate 500
  board wanda 0.3 surrogate 500; board wanda 0.2 surrogate 500; board magnitude 0.3 surrogate 2000
  board wanda 0.5 surrogate 2000 ) &
( board wanda 0.5 evolution 500; board wanda 0.3 evolution 500; board wanda 0.2 evolution 500
  board wanda 0.5 evolution 2000 ) &
wait
