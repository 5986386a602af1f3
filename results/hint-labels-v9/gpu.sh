#!/usr/bin/env bash
# Session I (2026-12-03 ~15:10): two students trained with the 530 hand-written programs of
# sets 1-7 and their tutor hints (`llm-prune data add-handwritten`), their raw hints and
# sft-v4's and SmolLM2's on blind set 8 (never printed here), beside issue 20's leaderboard
# runs (surrogate-evo, noise_sd 0.02 with 128 candidates: learned23's one untested sim variant) and two structured searches (issue 18: 64 calibration prompts; attention heads too).
# Calls: one, mid ab, mid ac, extra (wheels and data, .device/d5), main (last part).
#   sft-v5    SmolLM2 + SFT on the build's 6,774 pairs and the 530 (sft-v4's settings)
#   sft-v4-hw sft-v4 (its adapters merged here) + SFT on the 530 alone, 3 epochs
set -u
export PYTHONPATH=/tmp/site:$PWD LLM_PRUNE_GYM_CACHE=/root/cache/lpg OMP_NUM_THREADS=1
G=/root/cache/SmolLM2-135M-Instruct.Q4_1.gguf; D=/root/data; R=/root/runs; L=/root/lbi
CLI="python3 -m evaluation.cli"
C=results/hint-labels-v9/cases.jsonl; P=results/hint-labels/plan-evolution-seed0.json
collect() {
  tar czf $OUT/lbi.tgz -C /root --exclude="*.pt" --exclude="*.ckpt" lbi 2>/dev/null
  for f in $(find $L -name "anytime.csv" -path "*seed*"); do echo "$f $(tail -1 $f | cut -d, -f1,9,12)"; done | sed "s#$L/##" | sort | tail -20
  grep -h "held-out KL" $L/logs/struct-*.log 2>/dev/null
  for m in sft-v5 sft-v4-hw; do
    [ -f $R/$m/metrics.json ] && tar czf $OUT/$m-adapters.tgz -C $R/$m adapters metrics.json 2>/dev/null
  done
  cat $R/raw-*.jsonl 2>/dev/null | gzip -c > $OUT/raw-hints9.jsonl.gz
  cp $R/*.log $OUT/ 2>/dev/null; ls -la $OUT
}
hints() {  # NAME SPEC...: raw greedy hints (and pruned copies) on set 8, once; not printed
  local name=$1; shift
  [ -f $R/$name.done ] && return
  touch $R/$name.done
  setsid nohup python3 results/hint-labels-v2/generate.py --cases $C --style grounded --out $R/raw-$name.jsonl \
    "$@" --plan $P --level 10.3 --device cuda > $R/hints-$name.log 2>&1 &
}
waitloop() {
  end=$((SECONDS + $1))
  while [ $SECONDS -lt $end ]; do
    [ -f $R/sft-v4-hw/metrics.json ] && hints hw --student sft-v4-hw=$R/sft-v4-hw
    [ -f $R/sft-v5/metrics.json ] && hints v5 --student sft-v5=$R/sft-v5
    pgrep -f "evaluation.cli [l]eaderboard|evaluation.cli [t]rain|method [s]ft|[g]enerate.py" > /dev/null || break
    sleep 10
  done
  for m in sft-v5 sft-v4-hw; do grep -E "train_runtime|eval_loss" $R/$m.log | tail -2; done
  wc -l $R/raw-*.jsonl; grep -il "error" $R/hints-*.log; collect
}
case "$1" in
one)
  rm -rf /root/cache/* $R $L $D; mkdir -p /root/cache $R $L/logs $D && cp .device/n-part.aa/part.aa /root/cache/; nvidia-smi --query-gpu=name,memory.used --format=csv ;;
mid)
  cat .device/n-part.$2/part.$2 >> /root/cache/part.aa; ls -la /root/cache ;;  # mid ab, then mid ac
extra)
  python3 -m pip install -q --no-index --no-deps --no-compile --upgrade --target /tmp/site .device/wheels/*.whl 2>&1 | tail -2
  for s in mixed hw; do mkdir -p $D/$s; gunzip -c .device/d5/$s-train.jsonl.gz > $D/$s/train.jsonl; gunzip -c .device/d5/test.jsonl.gz > $D/$s/test.jsonl; done
  cp -r .device/d5/sft-v4-round-1 $R/; wc -l $D/*/*.jsonl; python3 -m evaluation.cli --version ;;
main)
  cat .device/n-part.ad/part.ad >> /root/cache/part.aa && mv /root/cache/part.aa $G && md5sum $G
  [ "$(md5sum < $G | cut -c1-32)" = a1231443440b107ff29f02bdb38c9d0a ] || { echo BAD MD5; exit 1; }
  $CLI finetune-merge --student $G --adapters $R/sft-v4-round-1 --out $R/sft-v4-model 2>&1 | tail -1
  F="$CLI finetune --method sft --no-progress --logging-steps 50 --save-steps 100000"
  setsid nohup $F --student $G --data $D/mixed --epochs 2 --time-limit 9 --out $R/sft-v5 > $R/sft-v5.log 2>&1 &
  setsid nohup $F --student $R/sft-v4-model --data $D/hw --epochs 3 --time-limit 4 --out $R/sft-v4-hw > $R/sft-v4-hw.log 2>&1 &
  hints base --student sft-v4=$R/sft-v4-model --student base=$G
  B="$CLI leaderboard --student $G --device cuda --threads 1 --agents surrogate-evo --episodes 2000"
  K='{"surrogate-evo": {"noise_sd": 0.02, "candidates": 128}}'
  for row in "m20 magnitude" "w20 wanda"; do set -- $row
    for s in 0 1 2; do
      setsid nohup $B --out $L/se02c128-$1-s$s --criterion $2 --targets 0.2 --seeds $s --agent-kwargs "$K" > $L/logs/se02c128-$1-s$s.log 2>&1 &
    done
  done
  S="$CLI train --student $G --device cuda --threads 1 --granularity channels --criterion wanda --width-multiple 32 --seed 0 --no-progress --agent surrogate --max-ratio 0.625 --episodes 2000"
  setsid nohup $S --modules gate_proj --target-sparsity 0.34 --batch-size 64 --out $L/struct-bs64 > $L/logs/struct-bs64.log 2>&1 &
  setsid nohup $S --modules q_proj,gate_proj --target-sparsity 0.272 --batch-size 32 --out $L/struct-heads > $L/logs/struct-heads.log 2>&1 &
  sleep 20; nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv
  waitloop ${2:-480} ;;
wait)
  waitloop ${2:-500} ;;
esac
