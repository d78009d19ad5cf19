#pragma once
// The model page's card of the chosen architecture (year, paper, what it introduced, size,
// cost, ImageNet accuracy of its weights) and the "History of pretrained models" timeline.
// The facts come from the engine's one table (api::modelCards); their English text is
// translated here (ui/model_card_text.cpp lists it for lupdate).
#include <QDialog>
#include <QString>
#include <QWidget>

class QLabel;
class QPushButton;
class QTextBrowser;

namespace ft::ui {

class ModelSpeeds;

// The engine's English card and history text in the current language (itself when untranslated).
QString translatedModelText(const std::string& english);
// Every English text of the cards and the history, as the engine has it (for the tests).
std::vector<std::string> modelTextsToTranslate();

class ModelCardView : public QWidget {
  Q_OBJECT
 public:
  explicit ModelCardView(QWidget* parent = nullptr);
  void showArchitecture(const std::string& architecture);
  // Where the training speed on this machine comes from (the card shows it and offers to
  // measure it, and the gallery compares every architecture's). Without it, no speed is shown.
  void setSpeeds(ModelSpeeds* speeds);
  QString cardText() const;   // the card as plain text (for tests)
  QString speedText() const;  // the speed line
  void retranslateUi();
  // Opens the gallery (modal); a chosen architecture is reported by architectureChosen.
  void openGallery();

 Q_SIGNALS:
  // "Use this model" in the gallery.
  void architectureChosen(const std::string& architecture);

 private:
  void openHistory();
  void showSpeed();

  std::string m_architecture;
  ModelSpeeds* m_speeds = nullptr;
  QLabel* m_card;
  QLabel* m_speed;
  QPushButton* m_measure;
  QPushButton* m_gallery;
  QPushButton* m_history;
};

class ModelHistoryDialog : public QDialog {
  Q_OBJECT
 public:
  // `highlight`: the architecture whose step is marked ("" for none).
  explicit ModelHistoryDialog(const std::string& highlight, QWidget* parent = nullptr);
  QString historyText() const;  // plain text (for tests)

 private:
  QTextBrowser* m_text;
};

}  // namespace ft::ui
