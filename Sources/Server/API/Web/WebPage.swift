/// The web page served at `/` (replaced by the real page).
enum WebPage {
    static let html = "<!doctype html><title>Zoetrope</title>"
}
