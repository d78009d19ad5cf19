#include "wizard_step.h"

#include <QEvent>

namespace ft::ui {

void WizardStep::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QWidget::changeEvent(event);
}

}  // namespace ft::ui
