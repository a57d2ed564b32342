import Domain
import EventLog
