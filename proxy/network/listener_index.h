#pragma once

#include "proxy/network/address.h"

namespace meshproxy::network {

class ActiveListener;

// The listeners of one worker by address, for use_original_dst: a connection redirected to
// the virtual listener moves to the listener bound to its original destination.
class ListenerIndex {
 public:
  virtual ~ListenerIndex() = default;
  // The listener on exactly `address`, else the one on the wildcard address (0.0.0.0 or ::)
  // with the same port, else nullptr.
  virtual ActiveListener* findListener(const Address& address) = 0;
};

}  // namespace meshproxy::network
