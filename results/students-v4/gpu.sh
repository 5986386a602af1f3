#!/usr/bin/env bash
# Session J (2026-12-03 ~17:10 UTC), one H200. Two jobs side by side:
# - sft-v7: sft-v6 (SmolLM2 + SFT on the distilled pairs, rebuilt here from its adapters) + one
#   round of DPO-KD online: each training prompt's chosen hint is the rule pipeline's, the
#   rejected one the student's own greedy hint where it differs (`--method dpo-kd-online`).
#   Then its hints (and sft-v6's) on set 9, for a first check before blind set 10.
# - issue 18: structured searches with 128 and 194 calibration prompts
#   (results/structured/h200-j/make_prompts.py).
# The model travels in 14 MB parts (.device/p7-part.aa..ah). Calls: one, mid ab .. mid ag,
# extra (wheels, distilled data, sft-v6 adapters), main (last part; starts the jobs), wait.
set -u
export PYTHONPATH=/tmp/site:$PWD LLM_PRUNE_GYM_CACHE=/root/cache/lpg OMP_NUM_THREADS=1
G=/root/cache/SmolLM2-135M-Instruct.Q4_1.gguf; D=/root/data/distill; R=/root/runs; S=/root/struct
CLI="python3 -m evaluation.cli"
P=results/structured/h200-j
hints() {  # once, after sft-v7 ends
  [ -f $R/hints.done ] && return
  for s in sft-v7 sft-v6-model; do
    python3 results/hint-labels-v2/generate.py --cases results/hint-labels-v10/cases.jsonl --style grounded \
      --out $R/set9-hints.jsonl --student ${s%-model}=$R/$s --device cuda 2>&1 | grep "^{\|Error"
  done
  touch $R/hints.done
}
collect() {
  [ -f $R/sft-v7/metrics.json ] && tar czf $OUT/sft-v7-adapters.tgz -C $R/sft-v7 adapters metrics.json
  cp $R/*.log $R/*.jsonl $OUT/ 2>/dev/null
  tar czf $OUT/struct.tgz -C /root --exclude="*.pt" --exclude="*.ckpt" struct 2>/dev/null
  for f in $S/*/metrics.csv; do echo "$f $(tail -1 $f | cut -d, -f1,3,7)"; done
  grep -h "held-out KL" $S/*.log; tail -c 300 $R/sft-v7.log; ls -la $OUT
}
waitloop() {
  end=$((SECONDS + $1))
  while [ $SECONDS -lt $end ]; do
    if ! pgrep -f "method [d]po" > /dev/null && [ -f $R/sft-v7/metrics.json ]; then hints; fi
    pgrep -f "evaluation.cli [t]rain|method [d]po|[g]enerate.py" > /dev/null || break
    sleep 10
  done
  collect
}
case "$1" in
one)
  rm -rf /root/cache/* $R $S /root/data; mkdir -p /root/cache $R $S $D && cp .device/p7-part.aa/part.aa /root/cache/ ;;
mid)
  cat .device/p7-part.$2/part.$2 >> /root/cache/part.aa; ls -la /root/cache ;;  # mid ab ... mid ag
extra)
  python3 -m pip install -q --no-index --no-deps --no-compile --upgrade --target /tmp/site .device/wheels/*.whl 2>&1 | tail -2
  for s in train test; do gunzip -c .device/d6/$s.jsonl.gz > $D/$s.jsonl; done; wc -l $D/*.jsonl
  cp -r .device/a6/round-1 /root/data/sft-v6-adapter ;;
main)
  cat .device/p7-part.ah/part.ah >> /root/cache/part.aa && mv /root/cache/part.aa $G
  [ "$(md5sum < $G | cut -c1-32)" = a1231443440b107ff29f02bdb38c9d0a ] || { echo BAD MD5; exit 1; }
  for n in 128 194; do
    setsid nohup $CLI train --student $G --device cuda --threads 1 --granularity channels --criterion wanda \
      --width-multiple 32 --seed 0 --no-progress --agent surrogate --max-ratio 0.625 --episodes 1000 \
      --checkpoint-every 50 --modules gate_proj --target-sparsity 0.34 --batch-size $n \
      --prompts $P/prompts-$n.jsonl --out $S/struct-p$n > $S/struct-p$n.log 2>&1 &
  done
  $CLI finetune-merge --student $G --out $R/sft-v6-model --adapters /root/data/sft-v6-adapter 2>&1 | tail -1
  setsid nohup $CLI finetune --method dpo-kd-online --no-progress --logging-steps 20 --save-steps 100000 \
    --student $R/sft-v6-model --data $D --epochs 1 --generation-batch-size 256 --time-limit 8 \
    --out $R/sft-v7 > $R/sft-v7.log 2>&1 &
  waitloop 420 ;;
wait)
  waitloop ${2:-300} ;;
esac
