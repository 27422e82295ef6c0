# Hailo-8's per-inference cost without its context switch cost (see
# docs/npu-device.md): 50 us an inference. test_npu.c's latency test.
name=fast20k
gops=26000
fixed_ns=50000
switch_ns=0
