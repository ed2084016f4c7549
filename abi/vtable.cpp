// abi/vtable.cpp — makes the compiler emit the vtables of the public hooks
// classes (mtia::MTIAHooksInterface and its base), as every application
// that derives from or calls them sees them. abi/check.sh lists their
// entries in slot order from the object's relocations (abi/hooks.vtable):
// a reordered, inserted, removed or re-typed virtual changes the list.
#include <mtia/hooks.h>

mtia::MTIAHooksInterface mtia_abi_vtable_probe;
