// The .qm resources of qt_add_translations are linked into this library.
namespace ft::ui {
int translationsAnchor() { return 0; }
}  // namespace ft::ui
