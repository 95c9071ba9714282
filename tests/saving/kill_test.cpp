// Killing a process while it saves never leaves a broken file: a child saves weights (save_weights) or the
// whole model (save, a .keras archive) to one path over and over, with different values each time, and is killed (SIGKILL) at random moments; after each kill the file at
// the path must load and hold one complete save (old or new), and no leftover temporary may pass for it.
//
// The child is this test binary again (posix_spawn of /proc/self/exe), running only the helper test below,
// which does its work when STRATA_KILL_TEST_PATH is set and skips otherwise: the multithreaded test process
// is never forked to keep computing.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <strata/strata.hpp>

#include "saving_test_support.hpp"

extern char** environ;

namespace strata {
namespace {

constexpr const char* path_variable = "STRATA_KILL_TEST_PATH";
constexpr int ready_fd = 3;  // where the child says it has saved once

Sequential kill_test_model() {
    clear_session();
    return testing::dense_stack(64, {256, 128});
}

// Weight i of save number k holds k + i everywhere: a file mixing two saves, or a partial one, shows.
std::vector<Tensor> weights_for(const Model& model, double k) {
    std::vector<Tensor> values;
    std::vector<Tensor> weights = model.weights();
    for (std::size_t i = 0; i < weights.size(); ++i)
        values.push_back(Tensor::full(weights[i].shape(), k + static_cast<double>(i)));
    return values;
}

// The child's work (skipped in a normal run): save forever, each time with new values.
TEST(SaveWhileKilledHelper, SaveLoop) {
    const char* path = std::getenv(path_variable);
    if (!path) GTEST_SKIP() << "runs only as the child of SaveWhileKilledTest";
    Sequential model = kill_test_model();
    // Values go up from a start that differs between children, so that consecutive files differ.
    double k = static_cast<double>(::getpid() % 1000) * 1000.0;
    bool told = false;
    for (;;) {
        model.set_weights(weights_for(model, k));
        if (std::string(path).ends_with(".keras")) model.save(path);
        else model.save_weights(path);
        if (!told) {
            told = ::write(ready_fd, "r", 1) == 1;
            ::close(ready_fd);
        }
        k += 1.0;
    }
}

class SaveWhileKilledTest : public testing::SavingTest {
protected:
    // Starts the child and waits until it has saved once; returns its pid.
    pid_t start_child(const std::string& target) {
        int fds[2];
        EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, fds[1], ready_fd);
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
        std::vector<std::string> env_strings;
        for (char** e = environ; *e; ++e)
            if (std::strncmp(*e, path_variable, std::strlen(path_variable)) != 0 &&
                std::strncmp(*e, "OMP_NUM_THREADS=", 16) != 0)
                env_strings.push_back(*e);
        env_strings.push_back(std::string(path_variable) + "=" + target);
        env_strings.push_back("OMP_NUM_THREADS=1");
        std::vector<char*> envp;
        for (std::string& s : env_strings) envp.push_back(s.data());
        envp.push_back(nullptr);
        std::string exe = "/proc/self/exe", filter = "--gtest_filter=SaveWhileKilledHelper.SaveLoop";
        std::vector<char*> argv = {exe.data(), filter.data(), nullptr};
        pid_t pid = -1;
        int rc = ::posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), envp.data());
        posix_spawn_file_actions_destroy(&actions);
        ::close(fds[1]);
        EXPECT_EQ(rc, 0) << std::strerror(rc);
        pollfd p{fds[0], POLLIN, 0};
        int ready = ::poll(&p, 1, 20000);
        char c = 0;
        bool said = ready == 1 && ::read(fds[0], &c, 1) == 1;
        ::close(fds[0]);
        EXPECT_TRUE(said) << "the child did not save within 20 s";
        return pid;
    }

    // Kills a child saving to `filename` at random moments, `rounds` times; the file must always load.
    void kill_while_saving(const std::string& filename, int rounds) {
        const std::string target = path(filename);
        const std::string temporary_prefix = "." + filename + ".tmp-";
        bool archive = filename.ends_with(".keras");
        Sequential model = kill_test_model();
        std::mt19937 random(12345);
        std::uniform_int_distribution<int> delay_us(0, 20000);
        int saw_temporaries = 0;
        auto start = std::chrono::steady_clock::now();
        for (int round = 0; round < rounds; ++round) {
            pid_t pid = start_child(target);
            ASSERT_GT(pid, 0);
            std::this_thread::sleep_for(std::chrono::microseconds(delay_us(random)));
            ASSERT_EQ(::kill(pid, SIGKILL), 0);
            int status = 0;
            ASSERT_EQ(::waitpid(pid, &status, 0), pid);
            ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
                << "round " << round << ": the child ended on its own (status " << status << ")";

            // The path holds one complete save.
            std::vector<Tensor> loaded;
            if (archive) {
                ASSERT_NO_THROW(loaded = models::load_model(target).get_weights()) << "round " << round;
            } else {
                ASSERT_NO_THROW(model.load_weights(target)) << "round " << round;
                loaded = model.get_weights();
            }
            double k = loaded[0].to_vector<float>()[0];
            for (std::size_t i = 0; i < loaded.size(); ++i)
                for (float v : loaded[i].to_vector<float>())
                    ASSERT_EQ(v, static_cast<float>(k + static_cast<double>(i))) << "round " << round << ", weight " << i;

            // Anything else is a hidden temporary that no .weights.h5 pattern matches; it is cleared for the next round.
            for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
                std::string name = entry.path().filename();
                if (name == filename) continue;
                ASSERT_EQ(name.rfind(temporary_prefix, 0), 0u) << "round " << round << ": unexpected file " << name;
                ASSERT_FALSE(name.ends_with(".weights.h5") || name.ends_with(".keras")) << name;
                ++saw_temporaries;
                std::filesystem::remove(entry.path());
            }
        }
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("[ kill test ] %s: %d kills in %.1f s; %d left a temporary behind\n", filename.c_str(), rounds, seconds,
                    saw_temporaries);
    }
};

TEST_F(SaveWhileKilledTest, TheWeightsFileAlwaysLoadsAfterAKill) { kill_while_saving("model.weights.h5", 100); }

TEST_F(SaveWhileKilledTest, TheKerasArchiveAlwaysLoadsAfterAKill) { kill_while_saving("model.keras", 100); }

}  // namespace
}  // namespace strata
