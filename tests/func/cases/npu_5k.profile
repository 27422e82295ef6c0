# A device doing 5,000 inferences a second, whichever context: 200 us each,
# no context switch cost. test_npu.c saturates it with two tenants.
name=slow5k
gops=26000
fixed_ns=200000
switch_ns=0
