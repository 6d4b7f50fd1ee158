// A private hvsim in a temporary root, started as root as its service
// would be, with a client connection; the fixture stops it and checks that
// no guest process is left behind.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "tests/e2e/harness.h"
#include "lib/xen/hypervisor.h"

namespace xvm::test {

class HvsimFixture : public ::testing::Test {
  protected:
    void SetUp() override;
    void TearDown() override;

    void start_hvsim();
    void stop_hvsim();
    std::unique_ptr<Hypervisor> connect();
    std::string log() { return read_file(root_ / "/hvsim.log"); }
    // hvsim's guest launcher (its one direct child), or -1.
    pid_t launcher_pid();
    // The guest process of `dom`, or -1.
    pid_t guest_pid(DomId dom);
    // Waits (through the state-change subscription) until `pred` holds for
    // the domain's info.
    bool wait_state(DomId dom, const std::function<bool(const DomainInfo&)>& pred);
    DomainConfig config(std::uint64_t mib, const std::string& kernel = "/boot/vmlinuz",
                        const std::string& extra = "");

    TempRoot root_;
    std::optional<Child> hvsim_;
    std::unique_ptr<Hypervisor> hv_;
    std::unique_ptr<DomainEvents> events_;
};

}  // namespace xvm::test
