#include "strata/training/callbacks/terminate_on_nan.hpp"

#include <cmath>
#include <iostream>
#include <sstream>

#include "strata/core/error.hpp"
#include "strata/models/model.hpp"
#include "strata/training/callbacks/monitor.hpp"

namespace strata::callbacks {

void TerminateOnNaN::on_train_batch_end(int batch, const Logs& logs) {
    auto found = logs.find("loss");
    if (found == logs.end() || std::isfinite(found->second)) return;
    double loss = found->second;
    if (options_.raise_error) {
        std::ostringstream message;
        message << "NaN or Inf loss encountered at batch " << batch << ". Loss value: " << loss
                << ". Terminating training immediately.";
        throw Error(message.str());
    }
    std::cout << "Batch " << batch << ": Invalid loss, terminating training\n";
    detail::model_of(*this, "TerminateOnNaN").set_stop_training(true);
}

}  // namespace strata::callbacks
