// CSVLogger: writes each epoch's logs as a row of a CSV file, as keras.callbacks.CSVLogger: a header
// "epoch" then the log names sorted (fixed at the first epoch; later missing values are written "NA"), values
// as Python writes floats, and Python's csv "excel" dialect (rows end in "\r\n"; a field holding the separator,
// a quote or a line break is quoted).
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include "strata/training/callbacks.hpp"

namespace strata::callbacks {

// Keras: CSVLogger(filename, separator=",", append=False).
struct CSVLoggerOptions {
    std::string separator = ",";
    // True: append to an existing file (writing the header only if the file is empty); false: overwrite it.
    bool append = false;
};

class CSVLogger : public Callback {
public:
    explicit CSVLogger(std::string filename, CSVLoggerOptions options = {});

    const std::string& filename() const { return filename_; }
    const CSVLoggerOptions& options() const { return options_; }

    // Opens the file; IOError when it cannot be opened for writing.
    void on_train_begin(const Logs& logs) override;
    void on_epoch_end(int epoch, const Logs& logs) override;
    void on_train_end(const Logs& logs) override;

private:
    void write_row(const std::vector<std::string>& fields);

    std::string filename_;
    CSVLoggerOptions options_;
    std::ofstream file_;
    std::vector<std::string> keys_;
    bool have_keys_ = false;
    bool append_header_ = true;
};

// A double as Python's repr writes it (shortest round-trip digits, "1.0", "1e-05", "nan", "inf"), which is how
// Keras's CSV rows show values.
std::string python_float_repr(double value);

}  // namespace strata::callbacks
