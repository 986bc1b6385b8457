import Hummingbird
import MultipartKit
import JobQueue
