#!/usr/bin/env bash
# Session J, second window (2026-12-03 ~17:45 UTC), one H200: sft-v8 = sft-v6 (rebuilt here from
# its adapters) + SFT on data-v8: the distilled pairs of sft-v6 (re-distilled with diagnosis v7)
# and 2,040 renamed copies of the 640 read hand-written programs (`llm-prune data augment`).
# About 6 minutes of device time were left, so SFT runs 2 minutes. Calls: one, mid ab .. mid ag,
# extra (wheels, data), adapter (sft-v6's adapters), main (last part; merges, trains, collects).
set -u
export PYTHONPATH=/tmp/site:$PWD LLM_PRUNE_GYM_CACHE=/root/cache/lpg OMP_NUM_THREADS=1
G=/root/cache/SmolLM2-135M-Instruct.Q4_1.gguf; D=/root/data/d8; R=/root/runs
CLI="python3 -m evaluation.cli"
case "$1" in
one)
  rm -rf /root/cache/* $R /root/data; mkdir -p /root/cache $R $D && cp .device/p7-part.aa/part.aa /root/cache/ ;;
mid)
  cat .device/p7-part.$2/part.$2 >> /root/cache/part.aa; ls -la /root/cache | tail -1 ;;
extra)
  python3 -m pip install -q --no-index --no-deps --no-compile --upgrade --target /tmp/site .device/wheels/*.whl 2>&1 | tail -2
  for s in train test; do gunzip -c .device/d8/$s.jsonl.gz > $D/$s.jsonl; done; wc -l $D/*.jsonl ;;
adapter)
  cp -r .device/a6/round-1 /root/data/sft-v6-adapter ;;
main)
  cat .device/p7-part.ah/part.ah >> /root/cache/part.aa && mv /root/cache/part.aa $G
  [ "$(md5sum < $G | cut -c1-32)" = a1231443440b107ff29f02bdb38c9d0a ] || { echo BAD MD5; exit 1; }
  $CLI finetune-merge --student $G --out $R/sft-v6-model --adapters /root/data/sft-v6-adapter 2>&1 | tail -1
  $CLI finetune --method sft --no-progress --logging-steps 50 --save-steps 100000 --student $R/sft-v6-model \
    --data $D --epochs 1 --time-limit 2 --out $R/sft-v8 > $R/sft-v8.log 2>&1
  tar czf $OUT/sft-v8-adapters.tgz -C $R/sft-v8 adapters metrics.json; cp $R/sft-v8.log $OUT/
  tail -c 400 $R/sft-v8.log ;;
esac
