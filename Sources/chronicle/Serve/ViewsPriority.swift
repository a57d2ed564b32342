import ArgumentParser
import ProjectionRuntime

/// `--views-priority` of `serve` and `bench-views`: the priority of the views' live follower and
/// its commit thread (``ProjectionRuntime/ProjectionEngine/FollowerPriority``).
enum ViewsPriority: String, ExpressibleByArgument, CaseIterable {
    case yield, background, normal

    static let help = """
        The views' live follower and its commit thread. 'yield': at the kernel's idle priority while \
        the log's writer is behind (commands waited for it in the last second), so that the writer and \
        the event loops get a core the moment they want one and the views use what is left — they fall \
        further behind under such a load and catch up once it eases — and at normal priority otherwise; \
        this needs root, CAP_SYS_NICE or 'ulimit -e 20' (without, 'normal'). 'background': idle \
        priority always. 'normal': normal priority always.
        """

    var priority: ProjectionEngine.FollowerPriority {
        switch self {
        case .yield: .backgroundWhileWriterIsBehind
        case .background: .background
        case .normal: .normal
        }
    }
}
