# Default configuration (solver part; other sections abridged)
from yacs.config import CfgNode as CN

_C = CN()
_C.MODEL = CN()
_C.MODEL.WEIGHT = ""

_C.SOLVER = CN()
_C.SOLVER.MAX_ITER = 40000

_C.SOLVER.BASE_LR = 0.001
_C.SOLVER.BIAS_LR_FACTOR = 2

_C.SOLVER.MOMENTUM = 0.9

_C.SOLVER.WEIGHT_DECAY = 0.0005
_C.SOLVER.WEIGHT_DECAY_BIAS = 0

_C.SOLVER.GAMMA = 0.1
_C.SOLVER.STEPS = (30000,)

_C.SOLVER.WARMUP_FACTOR = 1.0 / 3
_C.SOLVER.WARMUP_ITERS = 500
_C.SOLVER.WARMUP_METHOD = "linear"

_C.SOLVER.CHECKPOINT_PERIOD = 2500

# Number of images per batch; global over all GPUs
_C.SOLVER.IMS_PER_BATCH = 16

# ITER_SIZE allows for the faking of batches
# Effective batch size = ITER_SIZE * IMS_PER_BATCH
_C.SOLVER.ITER_SIZE = -1

# optimizer of the concrete DropBlock (adversarial) branch
_C.SOLVER_CDB = CN()
_C.SOLVER_CDB.BASE_LR = 0.001
_C.SOLVER_CDB.GAMMA = 3.0
_C.SOLVER_CDB.WEIGHT_DECAY = 0.0001
