#!/usr/bin/env bash
# Session G (2026-12-03 ~12:05): the leaderboard's surrogate-evo with noise_sd 0.02 (magnitude 20%,
# Wanda 20%, 3 seeds), batched plan scoring with TF32 matmuls (issue 19), and four longer or wider
# structured searches (issue 18). Every call copies results to $OUT. The tracked tree is 33 MB,
# so the model travels in four 25 MB parts (`split -b 25000000`: one, mid, mid, main).
set -u
export PYTHONPATH=/tmp/site:$PWD LLM_PRUNE_GYM_CACHE=/root/cache/lpg OMP_NUM_THREADS=1
G=/root/cache/SmolLM2-135M-Instruct.Q4_1.gguf; L=/root/lbg
CLI="python3 -m evaluation.cli"
collect() {
  tar czf $OUT/lbg.tgz -C /root --exclude="*.pt" --exclude="*.ckpt" lbg 2>/dev/null
  for f in $(find $L -name "anytime.csv" -path "*seed*"); do echo "$f $(tail -1 $f | cut -d, -f1,9,12)"; done | sed "s#$L/##" | sort | tail -20
  grep -h "held-out KL" $L/logs/struct-*.log 2>/dev/null
  ls -la $OUT
}
waitloop() {
  end=$((SECONDS + $1))
  while [ $SECONDS -lt $end ]; do
    pgrep -f "evaluation.cli [l]eaderboard|evaluation.cli [t]rain" > /dev/null || break
    sleep 10
  done
  collect
}
case "$1" in
one)
  rm -rf /root/cache/* $L; mkdir -p /root/cache $L/logs && cp .device/n-part.aa/part.aa /root/cache/; nvidia-smi --query-gpu=name,memory.used --format=csv ;;
mid)
  cat .device/n-part.$2/part.$2 >> /root/cache/part.aa; ls -la /root/cache ;;  # mid ab, then mid ac
main)
  python3 -m pip install -q --no-index --no-deps --no-compile --upgrade --target /tmp/site .device/wheels/*.whl 2>&1 | tail -2
  python3 -m evaluation.cli --version
  cat .device/n-part.ad/part.ad >> /root/cache/part.aa && mv /root/cache/part.aa $G && md5sum $G
  [ "$(md5sum < $G | cut -c1-32)" = a1231443440b107ff29f02bdb38c9d0a ] || { echo BAD MD5; exit 1; }
  # the bench first, alone on the card
  python3 bench/env_speed.py --students $G --devices cuda --dtypes float32 --batch-plans 8,32,128,256 \
    --matmuls loop,bmm,loop-tf32,bmm-tf32 --vector-envs '' --episodes 50 --warmup 3 --naive-episodes 1 \
    --floor-repeats 5 --batched-repeats 3 --threads 8 --out $L/tf32-batched > $L/logs/speed.log 2>&1
  tail -n 4 $L/logs/speed.log; cp $L/tf32-batched/env_speed.csv $L/logs/speed.log $OUT/
  B="$CLI leaderboard --student $G --device cuda --threads 1 --agents surrogate-evo --episodes 2000"
  K='{"surrogate-evo": {"noise_sd": 0.02}}'
  for row in "m20 magnitude" "w20 wanda"; do set -- $row
    for s in 0 1 2; do
      setsid nohup $B --out $L/se02-$1-s$s --criterion $2 --targets 0.2 --seeds $s --agent-kwargs "$K" > $L/logs/se02-$1-s$s.log 2>&1 &
    done
  done
  S="$CLI train --student $G --device cuda --threads 1 --granularity channels --modules gate_proj --criterion wanda --target-sparsity 0.34 --width-multiple 32 --seed 0 --no-progress"
  st() { setsid nohup $S --agent $2 --max-ratio $3 --batch-size $4 --episodes $5 --out $L/struct-$1 > $L/logs/struct-$1.log 2>&1 & }
  st sur4000 surrogate 0.625 16 4000
  st sur-bs32 surrogate 0.625 32 2000
  st sur-r8 surrogate 0.8 16 2000
  st se-bs32 surrogate-evo 0.625 32 2000
  sleep 30; nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv
  waitloop ${2:-420} ;;
wait)
  waitloop ${2:-500} ;;
esac
