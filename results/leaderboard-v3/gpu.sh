#!/usr/bin/env bash
# Session D (2026-12-03 ~03:50): surrogate-evo on the leaderboard rows, a2c-prior at magnitude
# 20%, TF32's KL error. One call: everything copied to $OUT before it returns.
set -u
export PYTHONPATH=/tmp/site:$PWD LLM_PRUNE_GYM_CACHE=/root/cache/lpg OMP_NUM_THREADS=1
G=/root/cache/SmolLM2-135M-Instruct.Q4_1.gguf; L=/root/lb3
CLI="python3 -m evaluation.cli"
case "$1" in
one)
  mkdir -p /root/cache $L && cp .device/m1/part.aa /root/cache/
  python3 -m pip install -q --no-index --no-deps --no-compile --upgrade --target /tmp/site .device/wheels/*.whl 2>&1 | tail -2 ;;
mid)
  cat .device/m2/part.ab >> /root/cache/part.aa; ls -la /root/cache ;;
main)
  cat .device/m3/part.ac >> /root/cache/part.aa && mv /root/cache/part.aa $G && md5sum $G
  python3 -c "from llm_prune_gym.students import load_student; load_student('$G')" 2>&1 | tail -1
  python3 bench/env_speed.py --students $G --devices cuda --dtypes float32 --autocast-check --batch-plans 1 \
    --matmuls loop --vector-envs '' --episodes 10 --warmup 2 --naive-episodes 1 --floor-repeats 3 \
    --threads 4 --out $OUT/env_speed_tf32 2>&1 | grep -i "tf32\|bf16\|headline" | tail -4
  python3 -c "import json,sys; t=open('$OUT/env_speed_tf32/env_speed.json').read(); print([l for l in t.replace(',',',\n').splitlines() if 'tf32' in l or 'forward_kl' in l])"
  B="$CLI leaderboard --student $G --device cuda --threads 2"
  mkdir -p $L/logs
  setsid nohup $B --out $L/se-m20 --criterion magnitude --targets 0.2 --agents surrogate-evo --episodes 2000 --seeds 0,1,2 > $L/logs/se-m20.log 2>&1 &
  setsid nohup bash -c "$B --out $L/se-w50 --criterion wanda --targets 0.5 --agents surrogate-evo --episodes 500 --seeds 0,1,2 > $L/logs/se-w50.log 2>&1; $B --out $L/se-m30 --criterion magnitude --targets 0.3 --agents surrogate-evo --episodes 500 --seeds 0,1,2 > $L/logs/se-m30.log 2>&1" > /dev/null 2>&1 &
  setsid nohup bash -c "$B --out $L/se-w30 --criterion wanda --targets 0.3 --agents surrogate-evo --episodes 500 --seeds 0,1,2 > $L/logs/se-w30.log 2>&1; $B --out $L/se-w20 --criterion wanda --targets 0.2 --agents surrogate-evo --episodes 500 --seeds 0,1,2 > $L/logs/se-w20.log 2>&1" > /dev/null 2>&1 &
  for s in 0 1 2; do
    setsid nohup $B --out $L/rl-s$s --criterion magnitude --targets 0.2 --agents a2c-prior --episodes 2000 --seeds $s > $L/logs/rl-s$s.log 2>&1 &
  done
  end=$((SECONDS + ${2:-400}))
  while [ $SECONDS -lt $end ] && pgrep -f "evaluation.cli [l]eaderboard" > /dev/null; do sleep 10; done
  grep -h "seed .*held-out KL\|Error" $L/logs/*.log | tail -30
  tar czf $OUT/lb3.tgz -C /root --exclude="*.pt" lb3; ls -la $OUT ;;
esac
