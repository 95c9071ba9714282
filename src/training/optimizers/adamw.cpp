#include "strata/training/optimizers/adamw.hpp"

#include "strata/core/error.hpp"

namespace strata::optimizers {

namespace {

AdamOptions adam_options(const AdamWOptions& options) {
    if (!options.weight_decay)
        throw ValueError("AdamW: argument `weight_decay` must be a float. Received: weight_decay=None");
    return {.beta_1 = options.beta_1,
            .beta_2 = options.beta_2,
            .epsilon = options.epsilon,
            .amsgrad = options.amsgrad,
            .weight_decay = options.weight_decay,
            .clipnorm = options.clipnorm,
            .clipvalue = options.clipvalue,
            .global_clipnorm = options.global_clipnorm,
            .use_ema = options.use_ema,
            .ema_momentum = options.ema_momentum,
            .ema_overwrite_frequency = options.ema_overwrite_frequency,
            .loss_scale_factor = options.loss_scale_factor,
            .gradient_accumulation_steps = options.gradient_accumulation_steps,
            .name = options.name};
}

}  // namespace

AdamW::AdamW(LearningRate learning_rate, AdamWOptions options)
    : Adam(std::move(learning_rate), adam_options(options)), options_(std::move(options)) {}

std::shared_ptr<Optimizer> AdamW::clone() const { return std::make_shared<AdamW>(learning_rate_spec(), options_); }

}  // namespace strata::optimizers
