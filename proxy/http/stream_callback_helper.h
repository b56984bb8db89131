#pragma once

#include <algorithm>

#include "absl/container/inlined_vector.h"
#include "proxy/http/codec.h"

namespace meshproxy::http {

// The subscribers of one codec stream (Envoy's StreamCallbackHelper), for codecs to embed in
// their stream objects. Two inline slots: the connection manager or the router, plus one
// filter or pool, subscribe without an allocation.
//
// Removal during a callback is safe: a removed subscriber leaves a null slot, skipped when
// callbacks run (the iteration never sees a moved element) and reused by the next add();
// reset() clears them all when the codec reuses the stream object. Reset callbacks run at
// most once per stream.
class StreamCallbackHelper {
 public:
  void add(StreamCallbacks& callbacks) {
    // Reuse a slot a removed subscriber left.
    for (auto*& slot : callbacks_) {
      if (slot == nullptr) {
        slot = &callbacks;
        return;
      }
    }
    callbacks_.push_back(&callbacks);
  }
  void remove(StreamCallbacks& callbacks) {
    auto it = std::find(callbacks_.begin(), callbacks_.end(), &callbacks);
    if (it != callbacks_.end()) *it = nullptr;
  }

  void runResetCallbacks(StreamResetReason reason) {
    if (reset_callbacks_run_) return;
    reset_callbacks_run_ = true;
    // Indexed: a subscriber may add another from inside its callback.
    for (size_t i = 0; i < callbacks_.size(); ++i) {
      if (StreamCallbacks* cb = callbacks_[i]; cb != nullptr) cb->onResetStream(reason);
    }
  }
  void runHighWatermarkCallbacks() {
    for (size_t i = 0; i < callbacks_.size(); ++i) {
      if (StreamCallbacks* cb = callbacks_[i]; cb != nullptr) cb->onAboveWriteBufferHighWatermark();
    }
  }
  void runLowWatermarkCallbacks() {
    for (size_t i = 0; i < callbacks_.size(); ++i) {
      if (StreamCallbacks* cb = callbacks_[i]; cb != nullptr) cb->onBelowWriteBufferLowWatermark();
    }
  }

  // The codec starts a new stream on this object: no subscribers, resets may run again.
  void reset() {
    callbacks_.clear();
    reset_callbacks_run_ = false;
  }

 private:
  absl::InlinedVector<StreamCallbacks*, 2> callbacks_;
  bool reset_callbacks_run_ = false;
};

}  // namespace meshproxy::http
