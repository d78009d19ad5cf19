// finetune-studio: the desktop wizard (being written).
int main() { return 0; }
