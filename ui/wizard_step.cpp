#include "wizard_step.h"

#include <QEvent>
#include <QFormLayout>
#include <QLabel>

namespace ft::ui {

void addFormRow(QFormLayout* form, QWidget* field) {
  auto* label = new QLabel(field->parentWidget());
  label->setBuddy(field);
  form->addRow(label, field);
}

void setFormLabel(QFormLayout* form, QWidget* field, const QString& text) {
  if (auto* label = qobject_cast<QLabel*>(form->labelForField(field))) label->setText(text);
}

void WizardStep::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QWidget::changeEvent(event);
}

}  // namespace ft::ui
