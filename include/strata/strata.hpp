// strata: deep learning in C++20 with the Keras API. This header only includes.
#pragma once

#include "strata/core/device.hpp"
#include "strata/core/dtype.hpp"
#include "strata/core/error.hpp"
#include "strata/core/shape.hpp"
#include "strata/core/storage.hpp"
#include "strata/core/tensor.hpp"

#include "strata/backend/backend.hpp"
#include "strata/backend/threading.hpp"

#include "strata/autograd/gradient_tape.hpp"
#include "strata/autograd/node.hpp"

#include "strata/ops/elementwise.hpp"
#include "strata/ops/linalg.hpp"
#include "strata/ops/nn.hpp"
#include "strata/ops/random.hpp"
#include "strata/ops/reduce.hpp"
#include "strata/ops/shape.hpp"

#include "strata/layers/activation.hpp"
#include "strata/layers/activations.hpp"
#include "strata/layers/dense.hpp"
#include "strata/layers/initializers.hpp"
#include "strata/layers/layer.hpp"

#include "strata/models/input.hpp"
#include "strata/models/model.hpp"
#include "strata/models/sequential.hpp"

#include "strata/training/callbacks.hpp"
#include "strata/training/losses.hpp"
#include "strata/training/metrics.hpp"
#include "strata/training/optimizer.hpp"
#include "strata/training/optimizers/adam.hpp"
#include "strata/training/optimizers/rmsprop.hpp"
#include "strata/training/optimizers/sgd.hpp"
#include "strata/training/options.hpp"

#include "strata/data/datasets.hpp"
#include "strata/data/idx.hpp"

#include "strata/utils/random_seed.hpp"
#include "strata/utils/to_categorical.hpp"
