// graph.cpp — MTIAGraph (mtia/graph.h) over the graph hooks.
#include <mtia/graph.h>

#include <mtia/guards.h>

#include "binding.h"
#include "swallow.h"

#include <exception>
#include <utility>

namespace mtia {

MTIAGraph::MTIAGraph(bool keep_graph, const MTIAHooksInterface& hooks)
    : hooks_(&hooks), load_(hooks.binding()), handle_(hooks.mtiagraphCreate(keep_graph)) {}

void MTIAGraph::requireLoad(const char* hook) const {
  if (load_ != nullptr) load_->live(hook);
}

MTIAGraph::~MTIAGraph() { release(); }

MTIAGraph::MTIAGraph(MTIAGraph&& other) noexcept
    : hooks_(other.hooks_),
      load_(other.load_),
      handle_(std::exchange(other.handle_, -1)),
      capture_stream_(std::exchange(other.capture_stream_, std::nullopt)) {}

MTIAGraph& MTIAGraph::operator=(MTIAGraph&& other) noexcept {
  if (this != &other) {
    release();
    hooks_ = other.hooks_;
    load_ = other.load_;
    handle_ = std::exchange(other.handle_, -1);
    capture_stream_ = std::exchange(other.capture_stream_, std::nullopt);
  }
  return *this;
}

void MTIAGraph::release() noexcept {
  if (handle_ < 0) return;
  if (load_ != nullptr && !load_->usable()) {  // its load is over: nothing to release
    handle_ = -1;
    capture_stream_.reset();
    return;
  }
  detail::runLogged("MTIAGraph could not release its graph", [&] {
    if (capture_stream_) {
      // Left during a capture (e.g. by an exception): end it on its own stream.
      StreamGuard on_capture_stream(*capture_stream_, *hooks_);
      hooks_->mtiagraphCaptureEnd(handle_);
    }
    hooks_->mtiagraphDestroy(handle_);
  });
  handle_ = -1;
  capture_stream_.reset();
}

void MTIAGraph::capture_begin(MempoolId_t pool) {
  requireLoad("mtiagraphCaptureBegin");
  const Stream stream = hooks_->getCurrentStream(-1);
  hooks_->mtiagraphCaptureBegin(handle_, pool);
  capture_stream_ = stream;
}

void MTIAGraph::capture_end() {
  requireLoad("mtiagraphCaptureEnd");
  hooks_->mtiagraphCaptureEnd(handle_);
  capture_stream_.reset();
}

void MTIAGraph::instantiate() {
  requireLoad("mtiagraphInstantiate");
  hooks_->mtiagraphInstantiate(handle_);
}

void MTIAGraph::replay() {
  requireLoad("mtiagraphReplay");
  hooks_->mtiagraphReplay(handle_);
}

void MTIAGraph::reset() {
  requireLoad("mtiagraphReset");
  hooks_->mtiagraphReset(handle_);
}

MempoolId_t MTIAGraph::pool() const {
  requireLoad("mtiagraphPool");
  return hooks_->mtiagraphPool(handle_);
}

}  // namespace mtia
