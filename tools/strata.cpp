// The strata command line: look into a model file, run it, or convert it, without writing code.
//   strata summary MODEL                       the model's summary table (a .keras archive or a legacy .h5 model)
//   strata predict MODEL INPUT.npy [OUT.npy]   runs the model on a NumPy array; writes OUT.npy or prints the result
//   strata convert IN OUT [--architecture A]   IN: a model file, or a .weights.h5 with --architecture (a model file
//                                              or the JSON of model.to_json()); OUT: a .keras or a .weights.h5 file
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <strata/strata.hpp>

namespace {

constexpr const char* usage =
    "usage: strata summary MODEL\n"
    "       strata predict MODEL INPUT.npy [OUTPUT.npy]\n"
    "       strata convert IN OUT [--architecture MODEL_OR_JSON]\n"
    "MODEL is a Keras 3 .keras archive or a legacy whole-model .h5 file.\n";

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

strata::Model load(const std::string& path) { return strata::models::load_model(path, {.compile = false}); }

int summary(const std::vector<std::string>& args) {
    if (args.size() != 1) throw std::invalid_argument("summary takes one model file");
    load(args[0]).summary();
    return 0;
}

int predict(const std::vector<std::string>& args) {
    if (args.size() != 2 && args.size() != 3)
        throw std::invalid_argument("predict takes a model, an input .npy and an optional output .npy");
    strata::Model model = load(args[0]);
    strata::Tensor x = strata::data::load_npy(args[1]);
    strata::Tensor y = model.predict(x, {.verbose = 0});
    if (args.size() == 3) {
        strata::data::save_npy(args[2], y);
        std::printf("wrote %s: shape %s, %s\n", args[2].c_str(), y.shape().to_string().c_str(),
                    strata::dtype_name(y.dtype()).c_str());
        return 0;
    }
    std::vector<double> values = y.astype(strata::float64).to_vector<double>();
    std::int64_t columns = y.rank() > 1 ? y.numel() / std::max<std::int64_t>(y.shape()[0], 1) : 1;
    for (std::size_t i = 0; i < values.size(); ++i)
        std::printf("%.7g%c", values[i], (static_cast<std::int64_t>(i) + 1) % columns == 0 ? '\n' : ' ');
    return 0;
}

int convert(std::vector<std::string> args) {
    std::string architecture;
    for (std::size_t i = 0; i < args.size(); ++i)
        if (args[i] == "--architecture") {
            if (i + 1 >= args.size()) throw std::invalid_argument("--architecture needs a file");
            architecture = args[i + 1];
            args.erase(args.begin() + static_cast<std::ptrdiff_t>(i), args.begin() + static_cast<std::ptrdiff_t>(i) + 2);
            break;
        }
    if (args.size() != 2) throw std::invalid_argument("convert takes an input and an output file");
    const std::string& in = args[0];
    const std::string& out = args[1];
    strata::Model model = [&] {
        if (!ends_with(in, ".weights.h5")) return load(in);
        // Weights alone say nothing of the architecture: it comes from a model file or a to_json() text.
        if (architecture.empty())
            throw std::invalid_argument("a .weights.h5 file holds no architecture; give one with --architecture");
        strata::Model m = [&] {
            if (!ends_with(architecture, ".json")) return load(architecture);
            std::ifstream file(architecture);
            if (!file) throw strata::IOError("cannot read " + architecture);
            std::stringstream text;
            text << file.rdbuf();
            return strata::models::model_from_json(text.str());
        }();
        m.load_weights(in);
        return m;
    }();
    if (ends_with(out, ".weights.h5")) model.save_weights(out);
    else model.save(out);
    std::printf("wrote %s\n", out.c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "-h" || args[0] == "--help") {
        std::fputs(usage, args.empty() ? stderr : stdout);
        return args.empty() ? 2 : 0;
    }
    std::string command = args[0];
    args.erase(args.begin());
    try {
        if (command == "summary") return summary(args);
        if (command == "predict") return predict(args);
        if (command == "convert") return convert(args);
        std::fprintf(stderr, "strata: unknown command '%s'\n%s", command.c_str(), usage);
        return 2;
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "strata %s: %s\n%s", command.c_str(), e.what(), usage);
        return 2;
    } catch (const strata::Error& e) {
        std::fprintf(stderr, "strata %s: %s\n", command.c_str(), e.what());
        return 1;
    }
}
