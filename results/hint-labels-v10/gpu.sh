#!/usr/bin/env bash
# Session I (2026-12-03 ~15:35): sft-v6, SmolLM2 + SFT on the distilled pairs (`llm-prune data
# distill` of the build's 6,774 pairs and the 530 hand-written ones: the chosen hint is the
# rule-based pipeline's, diagnosis on the known line, else facts). Adapters come back; the hints
# for blind set 9 are written on the CPU afterwards. The tracked tree is 44 MB, so the model
# travels in 14 MB parts (`split -b 14000000`, .device/p7-part.aa..ah). Calls: one, mid ab .. mid ag,
# extra (wheels, .device/d6), main (last part; trains, up to 6 minutes), wait.
set -u
export PYTHONPATH=/tmp/site:$PWD LLM_PRUNE_GYM_CACHE=/root/cache/lpg OMP_NUM_THREADS=1
G=/root/cache/SmolLM2-135M-Instruct.Q4_1.gguf; D=/root/data/distill; R=/root/runs
CLI="python3 -m evaluation.cli"
collect() {
  [ -f $R/sft-v6/metrics.json ] && tar czf $OUT/sft-v6-adapters.tgz -C $R/sft-v6 adapters metrics.json
  grep -E "train_runtime|eval_loss" $R/sft-v6.log | tail -2; tail -c 400 $R/sft-v6.log; cp $R/sft-v6.log $OUT/; ls -la $OUT
}
waitloop() {
  end=$((SECONDS + $1))
  while [ $SECONDS -lt $end ]; do
    pgrep -f "method [s]ft" > /dev/null || break
    sleep 5
  done
  collect
}
case "$1" in
one)
  rm -rf /root/cache/* $R /root/data; mkdir -p /root/cache $R $D && cp .device/p7-part.aa/part.aa /root/cache/ ;;
mid)
  cat .device/p7-part.$2/part.$2 >> /root/cache/part.aa; ls -la /root/cache ;;  # mid ab ... mid ag
extra)
  python3 -m pip install -q --no-index --no-deps --no-compile --upgrade --target /tmp/site .device/wheels/*.whl 2>&1 | tail -2
  for s in train test; do gunzip -c .device/d6/$s.jsonl.gz > $D/$s.jsonl; done; wc -l $D/*.jsonl ;;
main)
  cat .device/p7-part.ah/part.ah >> /root/cache/part.aa && mv /root/cache/part.aa $G
  [ "$(md5sum < $G | cut -c1-32)" = a1231443440b107ff29f02bdb38c9d0a ] || { echo BAD MD5; exit 1; }
  setsid nohup $CLI finetune --method sft --no-progress --logging-steps 50 --save-steps 100000 --student $G \
    --data $D --epochs 2 --time-limit 4 --out $R/sft-v6 > $R/sft-v6.log 2>&1 &
  waitloop 330 ;;
wait)
  waitloop ${2:-300} ;;
esac
