#!/usr/bin/env bash
# The GPU run of bench/env_speed.py on the device machine (docs/gpu-runs.md).
# Carried in .speed-device/ (ignored): model-a/ and model-b/ (the GGUF in two parts, one
# per call), wheels/ (gymnasium, farama-notifications, gguf, stable-baselines3) and old/
# (llm_prune_gym as of commit 085a800, the "before").
# Usage: bash bench/device_speed.sh DIR [stub|smollm2|stub,smollm2] [issue19]
# (smollm2 once assembled). With issue19 as the third argument it runs, instead of the
# default pair of runs, issue 19's set (about 3 minutes on one H200): env_speed in fp32
# at K = 1, 8, 32, 128 with the vector env, bench/cuda_exact.py, and the CUDA tests of
# the batched and exact paths.
set -uo pipefail
out=${1:?output folder}
wanted=${2:-stub,smollm2}
mode=${3:-default}
carry=.speed-device
cache=/root/cache
gguf=$cache/SmolLM2-135M-Instruct.Q4_1.gguf
mkdir -p "$cache" "$out"
if [ -f "$gguf" ] && [ "$(md5sum <"$gguf" | cut -c1-32)" != a1231443440b107ff29f02bdb38c9d0a ]; then
  rm -f "$gguf"
fi
if [ ! -f "$gguf" ]; then
  [ -f $carry/model-a/part.aa ] && cp $carry/model-a/part.aa "$cache/part.aa"
  if [ -f "$cache/part.aa" ] && ls $carry/model-b/part.* >/dev/null 2>&1; then
    cat $carry/model-b/part.* >>"$cache/part.aa" && mv "$cache/part.aa" "$gguf"
    md5sum "$gguf"
  fi
fi
[ -d /tmp/site/gymnasium ] || python3 -m pip install -q --no-index --no-deps --no-compile \
  --upgrade --target /tmp/site $carry/wheels/*.whl
export PYTHONPATH=/tmp/site:$PWD LLM_PRUNE_GYM_CACHE=$cache/lpg PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
students=${wanted/smollm2/$gguf}
[ -f "$gguf" ] || students=stub
if [ "$mode" = issue19 ]; then
  student=${students%%,*}
  [[ "$students" == *"$gguf"* ]] && student=$gguf
  python3 bench/env_speed.py --students "$student" --devices cuda --dtypes float32 \
    --batch-plans 1,8,32,128 --vector-envs 8,32,128 --episodes 200 --warmup 3 \
    --naive-episodes 3 --floor-repeats 20 --batched-repeats 3 --threads 8 \
    --out "$out/env_speed" 2>&1 | tee -a "$out/log.txt"
  python3 bench/cuda_exact.py --student "$student" --device cuda --plans 32 --chunk 16 \
    --threads 8 --out "$out/cuda_exact.json" 2>&1 | tee -a "$out/log.txt"
  if python3 -c "import pytest" 2>/dev/null; then
    python3 -m pytest -q -p no:cacheprovider tests/test_cuda_exact.py tests/test_batched.py \
      -k cuda 2>&1 | tail -15 | tee -a "$out/log.txt"
  else
    echo "pytest is not installed here: the CUDA tests did not run" | tee -a "$out/log.txt"
  fi
  exit 0
fi
python3 bench/env_speed.py --students "$students" --headline "$gguf" --devices cuda \
  --dtypes float32,bfloat16 --episodes 200 --warmup 3 --naive-episodes 3 --floor-repeats 50 \
  --autocast-check --threads 8 --out "$out/after" 2>&1 | tee -a "$out/log.txt"
if [[ "$students" == *"$gguf"* ]]; then
  PYTHONPATH=$PWD/$carry/old:/tmp/site python3 bench/env_speed.py --students "$gguf" \
    --headline "$gguf" --devices cuda --dtypes float32 --episodes 20 --warmup 2 \
    --naive-episodes 2 --floor-repeats 10 --threads 8 --out "$out/before" 2>&1 | tee -a "$out/log.txt"
fi
