// The console stack as an administrator runs it: svc.startd in a
// temporary root starting hvsim, xenstored and xenconsoled from the
// shipped manifests (start methods pointed at this build), and guests made
// the way xend makes them (XEND.md section 10: the domain created through
// the hypervisor interface, its store keys written, INTRODUCE, unpause) -
// until xend exists, the test is the toolstack.
//
// The console service depends on xend, which does not exist yet: the
// fixture points that dependency at the store (what xend itself depends
// on) with svccfg, so the dependency is still checked by svc.startd.
#pragma once

#include <termios.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lib/xen/hypervisor.h"
#include "tests/e2e/smf_fixture.h"
#include "tests/e2e/xs_harness.h"

namespace xvm::test {

// A process whose stdin and stdout are a pty (the test is its terminal)
// or pipes (stdin not a terminal).
class Terminal {
  public:
    enum class Kind { kPty, kPipes };
    Terminal(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
             Kind kind = Kind::kPty, const std::string& stderr_path = "");
    ~Terminal();
    Terminal(const Terminal&) = delete;
    Terminal& operator=(const Terminal&) = delete;

    pid_t pid() const { return pid_; }
    void type(const std::string& bytes);
    void close_input();
    // Waits until `text` has appeared in the output since the last mark().
    bool expect(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(20));
    // Forget output seen so far (later expects look only at newer output).
    void mark() { seen_ = out_.size(); }
    const std::string& output() const { return out_; }
    // The exit status (waitpid form), or nullopt if still running after `timeout`.
    std::optional<int> wait(std::chrono::milliseconds timeout = std::chrono::seconds(20));
    // The pty's modes as its process sees them (kPty only).
    struct termios modes() const;
    // Everything readable now; false at EOF.
    bool pump(std::chrono::milliseconds timeout);

  private:
    pid_t pid_ = -1;
    int in_ = -1;   // we write here (pty master or pipe)
    int out_fd_ = -1;  // we read here
    bool pty_ = false;
    std::string out_;
    std::size_t seen_ = 0;
    std::optional<int> status_;
};

class ConsoleStack : public SmfTest {
  protected:
    void SetUp() override;
    void TearDown() override;

    void set_exec(const std::string& service, const std::string& exec);
    // Creates, describes in the store, introduces and unpauses a guest.
    DomId boot_guest(const std::string& name, const std::string& extra = "");
    std::string home(DomId dom) const { return "/local/domain/" + std::to_string(dom); }
    // The running xenconsoled (the console service's one process), or -1.
    pid_t xenconsoled();
    std::string console_log() { return log_of("system-xctl-console:default"); }
    std::string guest_log(const std::string& name) {
        return read_file(path("/var/log/xen/console/guest-" + name + ".log"));
    }
    // `xm console ...` with this root's environment.
    std::vector<std::string> xm(std::vector<std::string> args) const;
    std::map<std::string, std::string> env() const { return {{"XVM_ROOT", root_->path()}}; }
    // Waits until the guest has registered in the store (booted).
    bool booted(DomId dom);

    std::unique_ptr<Hypervisor> hv_;
    std::optional<XsClient> xs_;
};

}  // namespace xvm::test
