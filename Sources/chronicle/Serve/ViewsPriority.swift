import ArgumentParser
import EventLog

/// `--views-priority` of `serve` and `bench-views`: the priority of the views' live follower and
/// its commit thread (``ProjectionRuntime/ProjectionEngine/Options/followerPriority``).
enum ViewsPriority: String, ExpressibleByArgument, CaseIterable {
    case background, normal

    static let help = """
        The views' live follower and its commit thread: 'background' runs them at the kernel's idle \
        priority, so the log's writer and the event loops get a core the moment they want one and the \
        views use what is left (under a load that keeps every core busy they fall further behind, and \
        catch up once it eases); 'normal' shares the cores equally.
        """

    var priority: NamedThread.Priority {
        switch self {
        case .background: .background
        case .normal: .normal
        }
    }
}
