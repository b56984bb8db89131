// mesh-control: the reference xDS control plane. Serving ADS arrives with the xDS issue;
// until then the binary exists so that the build and packaging are in place, and it says
// plainly that it cannot serve yet instead of pretending to.
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc > 1 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::puts("Usage: mesh-control --listen HOST:PORT --resources DIR [--admin HOST:PORT]");
    std::puts("(not implemented yet: ADS serving comes with the xDS work)");
    return 0;
  }
  if (argc > 1 && std::strcmp(argv[1], "--version") == 0) {
    std::printf("mesh-control %s\n", MESHPROXY_VERSION);
    return 0;
  }
  std::fputs("mesh-control: unsupported: serving xDS is not implemented yet\n", stderr);
  return 2;
}
