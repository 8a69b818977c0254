// The version of this build, which `--version` prints on every binary.
#ifndef LIBPLAN_UTIL_VERSION_H_
#define LIBPLAN_UTIL_VERSION_H_

namespace plan {

// "MAJOR.MINOR.PATCH (commit HASH)": the project's version (CMakeLists.txt)
// and the commit it was built from, as `git describe --always --dirty`
// names it ("unknown" when built outside a checkout). Defined in a file the
// build generates (cmake/version.cmake).
const char* VersionString();

}  // namespace plan

#endif  // LIBPLAN_UTIL_VERSION_H_
