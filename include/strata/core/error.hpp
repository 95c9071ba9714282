// The error types of strata. Every failure a user can cause is one of these, thrown with a message that
// names the layer or op, what was expected and what came, never an assert or a crash.
#pragma once

#include <stdexcept>
#include <string>

namespace strata {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// A tensor's shape does not fit what an op or layer takes.
class ShapeError : public Error {
public:
    using Error::Error;
};

// A value is out of range or unknown: a name that no loss, optimizer or activation has, a batch size of 0.
class ValueError : public Error {
public:
    using Error::Error;
};

// A tensor's element type is not the one asked for.
class TypeError : public Error {
public:
    using Error::Error;
};

// A file is missing, unreadable, truncated or malformed.
class IOError : public Error {
public:
    using Error::Error;
};

// A device is absent or the tensors of one op live on different devices.
class DeviceError : public Error {
public:
    using Error::Error;
};

// An index falls outside a tensor.
class IndexError : public Error {
public:
    using Error::Error;
};

}  // namespace strata
